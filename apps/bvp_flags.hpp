// Flags and reporting shared by `bvp` and `compare`: --T, --K, --lagrangian, the attention
// flags, --init, --rule, --max-iterations (--threads is an attention flag,
// shared by Ceres and the field).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/core/configuration.hpp>

#include "attention_flags.hpp"

namespace varsphere::apps {

struct BvpFlags {
  double T = 0;
  int K = 0;
  std::string lagrangian;
  AttentionFlags attention;
  std::string init = "geodesic";
  std::string rule = "midpoint";
  int max_iterations = 200;
  double max_seconds = 0;
  long long max_steps = 1'000'000;
  double del_tolerance = 1e-7;
  std::string second_order = "auto";  ///< --second-order auto|yes|no
  int eigenvalues = 4;

  void add_to(CLI::App& cmd);
  /// Throws InvalidInput for T <= 0, K < 1, bad iteration or thread counts or time budget.
  void check() const;
  /// Solver options; with --init flow the initial path is the flow from X0 sampled at K+1 times
  /// (`flow` if the caller has it already, else integrated here).
  BvpOptions options(const AttentionModel& model, const Configuration& X0,
                     const Trajectory* flow = nullptr) const;
  /// The attention flow from X0 on the K+1 grid (dopri5, tight tolerances, --max-steps).
  Trajectory reference_flow(const AttentionModel& model, const Configuration& X0) const;
};

/// The JSON summary of a solve, with the provenance of `command` and the full model.
nlohmann::json bvp_summary(const std::string& command, const BvpFlags& f,
                           const AttentionModel& model, const Configuration& X0,
                           const BvpResult& r);
/// HDF5 attributes of a path or flow file: provenance (object = what the file holds), model, the
/// BVP parameters.
TrajectoryAttributes bvp_attributes(const std::string& object, const BvpFlags& f,
                                    const AttentionModel& model);
void print_bvp(std::ostream& out, const BvpFlags& f, const BvpResult& r);
/// The second-order certificate as JSON (kind, morse_index, near_zero, smallest_eigenvalues, ...).
nlohmann::json second_order_json(const SecondOrderCertificate& c);

}  // namespace varsphere::apps
