// Cluster structure of a configuration (README.md: clusters are the connected components of
// the graph with an edge between i and j when ⟨x_i, x_j⟩ > threshold, default 0.999).
#pragma once

#include <Eigen/Core>
#include <vector>

namespace varsphere {

inline constexpr double kDefaultClusterThreshold = 0.999;

/// Component label (0, 1, ...) of every token, in order of first appearance.
std::vector<int> cluster_labels(const Eigen::Ref<const Eigen::MatrixXd>& X,
                                double threshold = kDefaultClusterThreshold);

/// Number of connected components.
int count_clusters(const Eigen::Ref<const Eigen::MatrixXd>& X,
                   double threshold = kDefaultClusterThreshold);

/// min(1, min_{i≠j} ⟨x_i, x_j⟩) (1 for a single token); O(nd) memory (tiled Gram products).
double min_pairwise_inner_product(const Eigen::Ref<const Eigen::MatrixXd>& X);

/// The fraction of pairs i < j with ⟨x_i, x_j⟩ > threshold (1 for a single token): the
/// clustering measure of GLPR's phase diagram. O(nd) memory.
double close_pair_fraction(const Eigen::Ref<const Eigen::MatrixXd>& X, double threshold);

}  // namespace varsphere
