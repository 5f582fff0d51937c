#include <varsphere/solvers/block_tridiagonal_system.hpp>

#include <Eigen/Cholesky>
#include <algorithm>
#include <limits>
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
template <class Scalar>
bool blocked_cholesky(Eigen::Matrix<Scalar, -1, -1>& A,
                      const std::vector<std::pair<Eigen::Index, Eigen::Index>>& pairs, int threads) {
  const Eigen::Index N = A.rows(), P = panel_count(N);
  for (Eigen::Index p = 0; p < P; ++p) {
    const Eigen::Index c0 = panel_start(p), w = panel_width(N, p);
    auto diagonal = A.block(c0, c0, w, w);
    Eigen::LLT<Eigen::Ref<Eigen::Matrix<Scalar, -1, -1>>, Eigen::Lower> llt(diagonal);
    if (llt.info() != Eigen::Success) return false;
    const Eigen::Index below = N - c0 - w;
    if (below == 0) break;
    const auto Lpp = A.block(c0, c0, w, w).template triangularView<Eigen::Lower>();
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


using Pairs = std::vector<std::pair<Eigen::Index, Eigen::Index>>;

/// The block recursion of the header in precision Scalar: L[k] from the damped diagonal blocks
/// (D_k + diag(damping_k)) and the couplings C[k] (already in Scalar).
template <class Scalar>
bool factor_blocks(const std::vector<Eigen::MatrixXd>& D,
                   const std::vector<Eigen::Matrix<Scalar, -1, -1>>* C_scalar,
                   const std::vector<Eigen::MatrixXd>& C, const Eigen::VectorXd& damping,
                   const Pairs& pairs, int threads, std::vector<Eigen::Matrix<Scalar, -1, -1>>& L) {
  using M = Eigen::Matrix<Scalar, -1, -1>;
  const int m = static_cast<int>(D.size());
  const Eigen::Index N = D[0].rows(), P = panel_count(N);
  L.resize(m);
  M W(N, N);
  const auto pair_count = static_cast<std::ptrdiff_t>(pairs.size());
  for (int k = 0; k < m; ++k) {
    M& S = L[k];
    // S_k arrives as −W_{k−1}ᵀW_{k−1} (lower panels) for k > 0.
    if (k == 0) {
      S = D[0].cast<Scalar>();
    } else {
      S += D[k].cast<Scalar>();
    }
    for (Eigen::Index c = 0; c < N; ++c) S(c, c) += static_cast<Scalar>(damping(k * N + c));
    if (!blocked_cholesky(S, pairs, threads)) return false;  // in place: S becomes L_k
    if (k + 1 == m) break;
    const auto Lk = S.template triangularView<Eigen::Lower>();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (Eigen::Index p = 0; p < P; ++p) {
      const Eigen::Index c0 = panel_start(p), w = panel_width(N, p);
      if (C_scalar != nullptr) {
        W.middleCols(c0, w) = Lk.solve((*C_scalar)[k].middleCols(c0, w));
      } else {
        W.middleCols(c0, w) = Lk.solve(C[k].middleCols(c0, w).template cast<Scalar>());
      }
    }
    M& next = L[k + 1];
    next.setZero(N, N);  // its upper triangle is never read
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (std::ptrdiff_t q = 0; q < pair_count; ++q) {
      const auto [i, j] = pairs[q];
      const Eigen::Index r0 = panel_start(i), rw = panel_width(N, i);
      const Eigen::Index c0 = panel_start(j), cw = panel_width(N, j);
      next.block(r0, c0, rw, cw).noalias() = -W.middleCols(r0, rw).transpose() * W.middleCols(c0, cw);
    }
  }
  return true;
}

/// The forward and backward block substitutions with the factor L (precision Scalar) and the
/// couplings (C_scalar when given, else C).
template <class Scalar>
Eigen::VectorXd substitute(const std::vector<Eigen::Matrix<Scalar, -1, -1>>& L,
                           const std::vector<Eigen::Matrix<Scalar, -1, -1>>* C_scalar,
                           const std::vector<Eigen::MatrixXd>& C, const Eigen::VectorXd& b) {
  using V = Eigen::Matrix<Scalar, -1, 1>;
  const int m = static_cast<int>(L.size());
  const Eigen::Index N = L[0].rows();
  auto coupling_times = [&](int k, const V& x) -> V {
    if (C_scalar != nullptr) return (*C_scalar)[k] * x;
    return (C[k] * x.template cast<double>()).template cast<Scalar>();
  };
  auto coupling_transpose_times = [&](int k, const V& x) -> V {
    if (C_scalar != nullptr) return (*C_scalar)[k].transpose() * x;
    return (C[k].transpose() * x.template cast<double>()).template cast<Scalar>();
  };
  V y(m * N);
  for (int k = 0; k < m; ++k) {
    V rhs = b.segment(k * N, N).template cast<Scalar>();
    if (k > 0) {
      // W_{k−1}ᵀ y_{k−1} = C_{k−1}ᵀ L_{k−1}⁻ᵀ y_{k−1}
      const V u = L[k - 1].template triangularView<Eigen::Lower>().transpose().solve(
          y.segment((k - 1) * N, N));
      rhs -= coupling_transpose_times(k - 1, u);
    }
    y.segment(k * N, N) = L[k].template triangularView<Eigen::Lower>().solve(rhs);
  }
  V x(m * N);
  for (int k = m - 1; k >= 0; --k) {
    V rhs = y.segment(k * N, N);
    if (k + 1 < m) {
      // W_k x_{k+1} = L_k⁻¹ C_k x_{k+1}
      rhs -= L[k].template triangularView<Eigen::Lower>().solve(
          coupling_times(k, V(x.segment((k + 1) * N, N))));
    }
    x.segment(k * N, N) = L[k].template triangularView<Eigen::Lower>().transpose().solve(rhs);
  }
  return x.template cast<double>();
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

bool BlockTridiagonalSystem::factor(double lambda, int threads, double min_diagonal,
                                    FactorPrecision precision) {
  const int m = blocks();
  const Eigen::Index N = N_, P = panel_count(N);
  factored_ = false;
  single_ = precision == FactorPrecision::Single;
  factor_.clear();
  factor_single_.clear();
  coupling_single_.clear();
  damping_.resize(size());
  for (int k = 0; k < m; ++k) {
    for (Eigen::Index c = 0; c < N; ++c) {
      damping_(k * N + c) = lambda * std::clamp(diagonal_[k](c, c), min_diagonal, 1e32);
    }
  }
  // Index pairs (i ≥ j) of the lower panels (of W_kᵀ W_k and of the trailing Cholesky updates),
  // in a fixed order.
  pairs_.clear();
  for (Eigen::Index i = 0; i < P; ++i)
    for (Eigen::Index j = 0; j <= i; ++j) pairs_.emplace_back(i, j);
  threads_ = threads;
  if (single_) {
    coupling_single_.resize(coupling_.size());
    for (std::size_t k = 0; k < coupling_.size(); ++k) coupling_single_[k] = coupling_[k].cast<float>();
    if (factor_blocks<float>(diagonal_, &coupling_single_, coupling_, damping_, pairs_, threads,
                             factor_single_)) {
      factored_ = true;
      return true;
    }
    // Not positive definite in float: the double factor decides.
    single_ = false;
    factor_single_.clear();
    coupling_single_.clear();
  }
  factored_ = factor_blocks<double>(diagonal_, nullptr, coupling_, damping_, pairs_, threads,
                                    factor_);
  return factored_;
}

Eigen::VectorXd BlockTridiagonalSystem::damped_multiply(const Eigen::VectorXd& x) const {
  return multiply(x) + damping_.cwiseProduct(x);
}

Eigen::VectorXd BlockTridiagonalSystem::solve(const Eigen::VectorXd& b) const {
  if (!factored_) throw Error("BlockTridiagonalSystem::solve called without a factor");
  if (b.size() != size()) throw InvalidInput("BlockTridiagonalSystem::solve: wrong right-hand side size");
  if (!single_) return substitute<double>(factor_, nullptr, coupling_, b);
  // Iterative refinement: the float factor solves for the correction of the double residual.
  Eigen::VectorXd x = substitute<float>(factor_single_, &coupling_single_, coupling_, b);
  const double target = 1e-13 * b.norm();
  double last = std::numeric_limits<double>::infinity();
  for (int it = 0; it < 30; ++it) {
    const Eigen::VectorXd r = b - damped_multiply(x);
    const double norm = r.norm();
    if (norm <= target) return x;
    if (!(norm < 0.5 * last)) break;  // no longer contracting: ill-conditioned for float
    last = norm;
    x += substitute<float>(factor_single_, &coupling_single_, coupling_, r);
  }
  // The float factor cannot refine this system: factor in double once and solve directly.
  if (factor_.empty()) {
    if (!factor_blocks<double>(diagonal_, nullptr, coupling_, damping_, pairs_, threads_, factor_)) {
      throw Error("BlockTridiagonalSystem: the double factor failed where the float one passed");
    }
  }
  return substitute<double>(factor_, nullptr, coupling_, b);
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

namespace varsphere {

namespace {

// The pivoted LDLᵀ factors of the Schur complements of H − shift·I (count_below's recursion).
std::vector<Eigen::LDLT<Eigen::MatrixXd>> schur_pivots(const BlockTridiagonalSystem& H,
                                                       double shift) {
  std::vector<Eigen::LDLT<Eigen::MatrixXd>> pivots;
  pivots.reserve(H.blocks());
  Eigen::MatrixXd S;
  for (int k = 0; k < H.blocks(); ++k) {
    S = H.diagonal(k).selfadjointView<Eigen::Lower>();
    S.diagonal().array() -= shift;
    if (k > 0) S.noalias() -= H.coupling(k - 1).transpose() * pivots.back().solve(H.coupling(k - 1));
    pivots.emplace_back(S);
    const Eigen::VectorXd D = pivots.back().vectorD();
    if (pivots.back().info() != Eigen::Success || (D.array() == 0.0).any()) {
      throw Error("block LDLT: H - " + std::to_string(shift) +
                  " I is singular to rounding (the shift is an eigenvalue)");
    }
  }
  return pivots;
}

}  // namespace

Eigen::MatrixXd BlockTridiagonalSystem::dense() const {
  const Eigen::Index N = N_;
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(size(), size());
  for (int k = 0; k < blocks(); ++k) {
    A.block(k * N, k * N, N, N) = diagonal_[k].selfadjointView<Eigen::Lower>();
    if (k + 1 < blocks()) {
      A.block(k * N, (k + 1) * N, N, N) = coupling_[k];
      A.block((k + 1) * N, k * N, N, N) = coupling_[k].transpose();
    }
  }
  return A;
}

Eigen::Index BlockTridiagonalSystem::count_below(double shift) const {
  Eigen::Index negative = 0;
  for (const auto& pivot : schur_pivots(*this, shift)) negative += (pivot.vectorD().array() < 0.0).count();
  return negative;
}

Eigen::VectorXd BlockTridiagonalSystem::solve_symmetric(const Eigen::VectorXd& b) const {
  if (b.size() != size()) throw InvalidInput("BlockTridiagonalSystem::solve_symmetric: wrong vector size");
  const auto pivots = schur_pivots(*this, 0.0);
  const int m = blocks();
  const Eigen::Index N = N_;
  // Forward: y_k = b_k − C_{k−1}ᵀ S_{k−1}⁻¹ y_{k−1}; back: x_k = S_k⁻¹ (y_k − C_k x_{k+1}).
  Eigen::VectorXd y = b;
  for (int k = 1; k < m; ++k) {
    y.segment(k * N, N) -= coupling_[k - 1].transpose() * pivots[k - 1].solve(y.segment((k - 1) * N, N));
  }
  Eigen::VectorXd x(size());
  for (int k = m - 1; k >= 0; --k) {
    Eigen::VectorXd rhs = y.segment(k * N, N);
    if (k + 1 < m) rhs -= coupling_[k] * x.segment((k + 1) * N, N);
    x.segment(k * N, N) = pivots[k].solve(rhs);
  }
  return x;
}

}  // namespace varsphere
