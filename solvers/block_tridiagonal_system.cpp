#include <varsphere/solvers/block_tridiagonal_system.hpp>

#include <Eigen/Cholesky>
#include <algorithm>
#include <varsphere/core/error.hpp>

namespace varsphere {

namespace {
// Panels of a fixed width (never derived from the thread count, so the arithmetic of every
// entry is the same whatever the number of threads).
constexpr Eigen::Index kPanel = 128;

Eigen::Index panel_count(Eigen::Index N) { return (N + kPanel - 1) / kPanel; }
Eigen::Index panel_start(Eigen::Index p) { return p * kPanel; }
Eigen::Index panel_width(Eigen::Index N, Eigen::Index p) {
  return std::min(kPanel, N - p * kPanel);
}
/// In-place right-looking blocked Cholesky of the lower triangle of A (N×N) on the fixed panels:
/// for each panel p, factor its diagonal block, solve the panels below it (in parallel), then
/// update the trailing lower panels (in parallel, each panel by one thread, updates in panel order),
/// so the factor is the same whatever the thread count. False if a pivot is not positive.
bool blocked_cholesky(Eigen::MatrixXd& A,
                      const std::vector<std::pair<Eigen::Index, Eigen::Index>>& pairs, int threads) {
  const Eigen::Index N = A.rows(), P = panel_count(N);
  for (Eigen::Index p = 0; p < P; ++p) {
    const Eigen::Index c0 = panel_start(p), w = panel_width(N, p);
    auto diagonal = A.block(c0, c0, w, w);
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>, Eigen::Lower> llt(diagonal);
    if (llt.info() != Eigen::Success) return false;
    const Eigen::Index below = N - c0 - w;
    if (below == 0) break;
    const auto Lpp = A.block(c0, c0, w, w).triangularView<Eigen::Lower>();
    // L_ip = A_ip L_ppᵀ⁻¹ for the panels i > p, i.e. solve L_pp X = A_ipᵀ.
#pragma omp parallel for num_threads(threads) schedule(static)
    for (Eigen::Index i = p + 1; i < P; ++i) {
      auto Aip = A.block(panel_start(i), c0, panel_width(N, i), w);
      Aip = Lpp.solve(Aip.transpose()).transpose();
    }
    // A_ij −= L_ip L_jpᵀ for p < j ≤ i (the trailing lower panels).
    const auto count = static_cast<std::ptrdiff_t>(pairs.size());
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (std::ptrdiff_t q = 0; q < count; ++q) {
      const auto [i, j] = pairs[q];
      if (j <= p || i >= P) continue;
      const Eigen::Index r0 = panel_start(i), rw = panel_width(N, i);
      const Eigen::Index s0 = panel_start(j), sw = panel_width(N, j);
      A.block(r0, s0, rw, sw).noalias() -= A.block(r0, c0, rw, w) * A.block(s0, c0, sw, w).transpose();
    }
  }
  return true;
}

}  // namespace

BlockTridiagonalSystem::BlockTridiagonalSystem(int blocks, Eigen::Index block_size)
    : N_(block_size) {
  if (blocks < 1 || block_size < 1) {
    throw InvalidInput("BlockTridiagonalSystem: at least one block of size >= 1 is needed");
  }
  diagonal_.assign(blocks, Eigen::MatrixXd::Zero(N_, N_));
  coupling_.assign(blocks - 1, Eigen::MatrixXd::Zero(N_, N_));
}

void BlockTridiagonalSystem::set_zero() {
  for (auto& D : diagonal_) D.setZero();
  for (auto& C : coupling_) C.setZero();
  factored_ = false;
}

double BlockTridiagonalSystem::bytes(int blocks, Eigen::Index block_size) {
  // D, C and the factor, plus W and one Schur complement while factoring.
  const double N2 = static_cast<double>(block_size) * static_cast<double>(block_size);
  return 8.0 * N2 * (3.0 * blocks + 2.0);
}

bool BlockTridiagonalSystem::factor(double lambda, int threads, double min_diagonal) {
  const int m = blocks();
  const Eigen::Index N = N_, P = panel_count(N);
  factor_.resize(m);
  factored_ = false;
  Eigen::MatrixXd W(N, N);
  // Index pairs (i ≥ j) of the lower panels (of W_kᵀ W_k and of the trailing Cholesky updates), in
  // a fixed order.
  std::vector<std::pair<Eigen::Index, Eigen::Index>> pairs;
  for (Eigen::Index i = 0; i < P; ++i)
    for (Eigen::Index j = 0; j <= i; ++j) pairs.emplace_back(i, j);
  const auto pair_count = static_cast<std::ptrdiff_t>(pairs.size());

  for (int k = 0; k < m; ++k) {
    Eigen::MatrixXd& S = factor_[k];
    if (k == 0) S = diagonal_[0];  // S_k arrives as −W_{k−1}ᵀW_{k−1} (lower panels) otherwise
    else S += diagonal_[k];
    for (Eigen::Index c = 0; c < N; ++c) {
      const double dc = diagonal_[k](c, c);
      S(c, c) += lambda * std::clamp(dc, min_diagonal, 1e32);
    }
    if (!blocked_cholesky(S, pairs, threads)) return false;  // in place: S becomes L_k
    if (k + 1 == m) break;
    const auto L = S.triangularView<Eigen::Lower>();
    const Eigen::MatrixXd& C = coupling_[k];
#pragma omp parallel for num_threads(threads) schedule(static)
    for (Eigen::Index p = 0; p < P; ++p) {
      const Eigen::Index c0 = panel_start(p), w = panel_width(N, p);
      W.middleCols(c0, w) = L.solve(C.middleCols(c0, w));
    }
    Eigen::MatrixXd& next = factor_[k + 1];
    next.setZero(N, N);  // its upper triangle is never read
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (std::ptrdiff_t q = 0; q < pair_count; ++q) {
      const auto [i, j] = pairs[q];
      const Eigen::Index r0 = panel_start(i), rw = panel_width(N, i);
      const Eigen::Index c0 = panel_start(j), cw = panel_width(N, j);
      next.block(r0, c0, rw, cw).noalias() = -W.middleCols(r0, rw).transpose() * W.middleCols(c0, cw);
    }
  }
  factored_ = true;
  return true;
}

Eigen::VectorXd BlockTridiagonalSystem::solve(const Eigen::VectorXd& b) const {
  if (!factored_) throw Error("BlockTridiagonalSystem::solve called without a factor");
  if (b.size() != size()) throw InvalidInput("BlockTridiagonalSystem::solve: wrong right-hand side size");
  const int m = blocks();
  const Eigen::Index N = N_;
  Eigen::VectorXd y(size());
  for (int k = 0; k < m; ++k) {
    Eigen::VectorXd rhs = b.segment(k * N, N);
    if (k > 0) {
      // W_{k−1}ᵀ y_{k−1} = C_{k−1}ᵀ L_{k−1}⁻ᵀ y_{k−1}
      const Eigen::VectorXd u = factor_[k - 1].triangularView<Eigen::Lower>().transpose().solve(
          y.segment((k - 1) * N, N));
      rhs.noalias() -= coupling_[k - 1].transpose() * u;
    }
    y.segment(k * N, N) = factor_[k].triangularView<Eigen::Lower>().solve(rhs);
  }
  Eigen::VectorXd x(size());
  for (int k = m - 1; k >= 0; --k) {
    Eigen::VectorXd rhs = y.segment(k * N, N);
    if (k + 1 < m) {
      // W_k x_{k+1} = L_k⁻¹ C_k x_{k+1}
      const Eigen::VectorXd Cx = coupling_[k] * x.segment((k + 1) * N, N);
      rhs -= factor_[k].triangularView<Eigen::Lower>().solve(Cx);
    }
    x.segment(k * N, N) = factor_[k].triangularView<Eigen::Lower>().transpose().solve(rhs);
  }
  return x;
}

Eigen::VectorXd BlockTridiagonalSystem::multiply(const Eigen::VectorXd& x) const {
  if (x.size() != size()) throw InvalidInput("BlockTridiagonalSystem::multiply: wrong vector size");
  const int m = blocks();
  const Eigen::Index N = N_;
  Eigen::VectorXd y(size());
  for (int k = 0; k < m; ++k) {
    auto yk = y.segment(k * N, N);
    yk.noalias() = diagonal_[k].selfadjointView<Eigen::Lower>() * x.segment(k * N, N);
    if (k + 1 < m) yk.noalias() += coupling_[k] * x.segment((k + 1) * N, N);
    if (k > 0) yk.noalias() += coupling_[k - 1].transpose() * x.segment((k - 1) * N, N);
  }
  return y;
}

}  // namespace varsphere
