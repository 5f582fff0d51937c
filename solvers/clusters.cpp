#include <varsphere/solvers/clusters.hpp>

#include <numeric>

namespace varsphere {

std::vector<int> cluster_labels(const Eigen::Ref<const Eigen::MatrixXd>& X, double threshold) {
  const Eigen::Index n = X.cols();
  const Eigen::MatrixXd G = X.transpose() * X;
  std::vector<Eigen::Index> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](Eigen::Index i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i < j; ++i) {
      if (G(i, j) > threshold) parent[find(i)] = find(j);
    }
  }
  std::vector<int> label(n, -1), root_label(n, -1);
  int next = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index r = find(i);
    if (root_label[r] < 0) root_label[r] = next++;
    label[i] = root_label[r];
  }
  return label;
}

int count_clusters(const Eigen::Ref<const Eigen::MatrixXd>& X, double threshold) {
  const std::vector<int> labels = cluster_labels(X, threshold);
  int count = 0;
  for (int l : labels) count = std::max(count, l + 1);
  return count;
}

double min_pairwise_inner_product(const Eigen::Ref<const Eigen::MatrixXd>& X) {
  if (X.cols() < 2) return 1.0;
  Eigen::MatrixXd G = X.transpose() * X;
  G.diagonal().setConstant(1.0);
  return G.minCoeff();
}

}  // namespace varsphere
