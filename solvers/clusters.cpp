#include <varsphere/solvers/clusters.hpp>

#include <Eigen/Dense>
#include <algorithm>
#include <limits>
#include <numeric>

namespace varsphere {

namespace {

// Gram tiles ⟨x_i, x_j⟩ for i in [i0, i0 + bi), j in [j0, j0 + bj): the pair loops below visit
// the upper triangle tile by tile, so memory stays O(nd) plus one tile (n = 10⁵ would need 80 GB
// for the whole Gram matrix).
constexpr Eigen::Index kGramTile = 512;

template <class Visit>
void for_each_upper_gram_tile(const Eigen::Ref<const Eigen::MatrixXd>& X, Visit visit) {
  const Eigen::Index n = X.cols();
  Eigen::MatrixXd G(kGramTile, kGramTile);
  for (Eigen::Index j0 = 0; j0 < n; j0 += kGramTile) {
    const Eigen::Index bj = std::min(kGramTile, n - j0);
    for (Eigen::Index i0 = 0; i0 <= j0; i0 += kGramTile) {
      const Eigen::Index bi = std::min(kGramTile, n - i0);
      auto tile = G.topLeftCorner(bi, bj);
      tile.noalias() = X.middleCols(i0, bi).transpose() * X.middleCols(j0, bj);
      visit(i0, j0, tile);
    }
  }
}

}  // namespace

std::vector<int> cluster_labels(const Eigen::Ref<const Eigen::MatrixXd>& X, double threshold) {
  const Eigen::Index n = X.cols();
  std::vector<Eigen::Index> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](Eigen::Index i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for_each_upper_gram_tile(X, [&](Eigen::Index i0, Eigen::Index j0, const auto& tile) {
    for (Eigen::Index jj = 0; jj < tile.cols(); ++jj) {
      for (Eigen::Index ii = 0; ii < tile.rows() && i0 + ii < j0 + jj; ++ii) {
        if (tile(ii, jj) > threshold) parent[find(i0 + ii)] = find(j0 + jj);
      }
    }
  });
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
  double m = 1.0;  // (the diagonal: never below 1, as before the tiling)
  for_each_upper_gram_tile(X, [&](Eigen::Index i0, Eigen::Index j0, const auto& tile) {
    for (Eigen::Index jj = 0; jj < tile.cols(); ++jj) {
      for (Eigen::Index ii = 0; ii < tile.rows() && i0 + ii < j0 + jj; ++ii) {
        m = std::min(m, tile(ii, jj));
      }
    }
  });
  return m;
}

double close_pair_fraction(const Eigen::Ref<const Eigen::MatrixXd>& X, double threshold) {
  const Eigen::Index n = X.cols();
  if (n < 2) return 1.0;
  long long close = 0;
  for_each_upper_gram_tile(X, [&](Eigen::Index i0, Eigen::Index j0, const auto& tile) {
    for (Eigen::Index jj = 0; jj < tile.cols(); ++jj) {
      for (Eigen::Index ii = 0; ii < tile.rows() && i0 + ii < j0 + jj; ++ii) {
        close += tile(ii, jj) > threshold;
      }
    }
  });
  return static_cast<double>(close) / (0.5 * static_cast<double>(n) * static_cast<double>(n - 1));
}

}  // namespace varsphere
