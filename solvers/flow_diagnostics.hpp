// Diagnostics along a trajectory (docs/math.md §2): energy E_β, number of clusters, minimum pairwise
// inner product, and the times at which the number of clusters drops (merge times).
#pragma once

#include <Eigen/Core>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <vector>

namespace varsphere {

struct FrameDiagnostics {
  double t;
  double energy;
  int clusters;
  double min_inner_product;
};

/// One row per saved frame: E_β with interaction matrix A, clusters at `threshold`, min ⟨x_i, x_j⟩.
std::vector<FrameDiagnostics> diagnose(const Trajectory& trajectory, const Eigen::MatrixXd& A,
                                       double beta, double threshold = kDefaultClusterThreshold);

/// The first saved time at which the cluster count falls to k, for every k below the initial
/// count (a drop by several clusters at once repeats that time). Resolution: the save grid.
std::vector<double> merge_times(const std::vector<FrameDiagnostics>& rows);

}  // namespace varsphere
