// Trajectory files (README.md, "File formats"):
//  * `.csv`: header `t,token,x1,...,xd`, then one row per token per saved time (token from 1);
//  * `.h5`:  datasets `t` [m] and `X` [m][n][d] (C order, readable with h5py), and the run
//            parameters as typed attributes of the root group (numbers as float64 scalars,
//            strings, matrices as 2-D float64 arrays).
// Writes are atomic; reads validate shape, finiteness and that every frame lies on the sphere.
#pragma once

#include <filesystem>
#include <istream>
#include <varsphere/core/trajectory.hpp>

namespace varsphere {

/// Throws InvalidInput unless `path` ends in .csv or .h5 (checked before long computations).
void check_trajectory_path(const std::filesystem::path& path);

/// Writes by extension (.csv or .h5); throws InvalidInput for another extension or an empty or
/// ragged trajectory, IoError for a failed write (the target is then untouched).
void write_trajectory(const std::filesystem::path& path, const Trajectory& traj,
                      const TrajectoryAttributes& attributes = {});

/// Reads a .csv or .h5 trajectory; frames are validated as configurations (unit columns to
/// `unit_tol`) and times must increase strictly.
Trajectory read_trajectory(const std::filesystem::path& path, double unit_tol = 1e-6);
/// The CSV form (header t,token,x1..xd, then one row per token and frame) from a stream; `name`
/// prefixes the errors. Frames are not checked to lie on the sphere (read_trajectory does that).
Trajectory read_trajectory_csv(std::istream& in, const std::string& name);

/// The attributes of a .h5 trajectory with their types (an empty map for .csv).
TrajectoryAttributes read_trajectory_attributes(const std::filesystem::path& path);

}  // namespace varsphere
