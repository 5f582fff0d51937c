// What every output of the command line records so that it reproduces its run: the varsphere
// version, the command line, which object the file holds, and the full attention model (β,
// normalization, placement, sign, the A and V matrices and the files they came from).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <varsphere/core/trajectory.hpp>

#include "attention_flags.hpp"

namespace varsphere::apps {

/// Remembers the process's arguments (called once by main).
void set_command_line(int argc, char** argv);
/// The arguments joined by spaces, each quoted when it contains a space.
const std::string& command_line();

/// {"varsphere_version", "command_line", "object"} for a JSON summary.
nlohmann::json provenance_json(const std::string& object);
/// A matrix as a list of rows.
nlohmann::json matrix_json(const Eigen::MatrixXd& M);
/// The model block: model, beta, norm, sign, qk and v (file names or "identity"), A and V (rows).
nlohmann::json model_json(const AttentionFlags& flags, const AttentionModel& model);

/// The same as HDF5 attributes: strings, numbers as doubles, A and V as d×d arrays.
TrajectoryAttributes provenance_attributes(const std::string& object);
TrajectoryAttributes model_attributes(const AttentionFlags& flags, const AttentionModel& model);

}  // namespace varsphere::apps
