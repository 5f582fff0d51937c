// A symmetric block-tridiagonal system with dense blocks (docs/math.md §3.7): the normal
// equations of a path problem whose unknowns are whole nodes,
//
//        | D_0  C_0                  |
//    H = | C_0ᵀ D_1  C_1             |     D_k, C_k: N×N (D_k symmetric, its lower triangle used)
//        |      C_1ᵀ  ⋱   C_{m−2}    |
//        |           C_{m−2}ᵀ D_{m−1}|
//
// factored as H + λ·diag(H) = L Lᵀ by the block Cholesky recursion
//     S_0 = D̃_0,  L_k L_kᵀ = S_k,  W_k = L_k⁻¹ C_k,  S_{k+1} = D̃_{k+1} − W_kᵀ W_k,
// (D̃ the damped diagonal blocks), which costs (7/3)·N³ flops per block and never forms a matrix
// larger than N×N. Only the L_k are kept; W_k x is recomputed as L_k⁻¹(C_k x) in the solve.
//
// Threads split the two products of every block (L_k⁻¹ C_k by column panels, W_kᵀ W_k by
// panel pairs of its lower triangle); each panel is computed by one thread in a fixed order, so the
// factor does not depend on the thread count, bit for bit.
#pragma once

#include <Eigen/Core>
#include <utility>
#include <vector>

namespace varsphere {

/// Precision of the factor: Single factors in float32 (half the time with wide vector units) and
/// solve() refines the result against the double system until the residual is 1e-13 relative,
/// falling back to a double factor if the refinement stops contracting (an ill-conditioned system)
/// or the float factor is not positive definite; the solution is the double one either way.
enum class FactorPrecision { Double, Single };

class BlockTridiagonalSystem {
 public:
  /// `blocks` diagonal blocks of size `block_size` (both ≥ 1), all zero.
  BlockTridiagonalSystem(int blocks, Eigen::Index block_size);

  int blocks() const { return static_cast<int>(diagonal_.size()); }
  Eigen::Index block_size() const { return N_; }
  /// Unknowns in all: blocks · block_size.
  Eigen::Index size() const { return blocks() * N_; }

  /// D_k (only its lower triangle is read).
  Eigen::MatrixXd& diagonal(int k) { return diagonal_[k]; }
  const Eigen::MatrixXd& diagonal(int k) const { return diagonal_[k]; }
  /// C_k = H_{k,k+1}, 0 ≤ k < blocks − 1.
  Eigen::MatrixXd& coupling(int k) { return coupling_[k]; }
  const Eigen::MatrixXd& coupling(int k) const { return coupling_[k]; }

  /// All blocks set to zero (the factor is dropped).
  void set_zero();

  /// Factors H + λ·diag(H), each diagonal entry of H clamped to [min_diagonal, 1e32] in the damping
  /// term (as Levenberg–Marquardt scales it). False if the matrix is not numerically positive
  /// definite (a pivot is not positive); the system itself is left unchanged.
  bool factor(double lambda, int threads, double min_diagonal = 1e-6,
              FactorPrecision precision = FactorPrecision::Double);

  /// x with (H + λ·diag(H)) x = b for the last successful factor() (refined to 1e-13 relative
  /// residual after a Single factor).
  Eigen::VectorXd solve(const Eigen::VectorXd& b) const;

  /// (H + λ·diag(H)) x for the damping of the last factor().
  Eigen::VectorXd damped_multiply(const Eigen::VectorXd& x) const;

  /// True when the last factor() is in float32.
  bool single_precision_factor() const { return single_; }

  /// H x (undamped; the Levenberg–Marquardt model needs xᵀHx).
  Eigen::VectorXd multiply(const Eigen::VectorXd& x) const;

  /// H as one dense symmetric matrix (small systems, checks).
  Eigen::MatrixXd dense() const;

  /// The number of eigenvalues of H below `shift`, by Sylvester's law of inertia: H − shift·I is
  /// congruent to the block diagonal of its Schur complements S_0 = D_0 − shift·I,
  /// S_{k+1} = D_{k+1} − shift·I − C_kᵀ S_k⁻¹ C_k, whose negative pivots (pivoted LDLᵀ) are counted
  /// (docs/math.md §3.8). Works for indefinite H; the factor of factor() is untouched. Throws
  /// Error if a Schur complement is singular (shift is an eigenvalue to rounding).
  Eigen::Index count_below(double shift) const;

  /// x with H x = b (undamped) by the same block LDLᵀ: for symmetric H that need not be positive
  /// definite (a saddle's Hessian). Throws Error if H is singular to rounding.
  Eigen::VectorXd solve_symmetric(const Eigen::VectorXd& b) const;

  /// Bytes held by a system of this shape with its factor (for memory checks before allocating).
  static double bytes(int blocks, Eigen::Index block_size);

 private:
  Eigen::Index N_;
  std::vector<Eigen::MatrixXd> diagonal_, coupling_;
  mutable std::vector<Eigen::MatrixXd> factor_;  // a Single solve may add the double factor
  std::vector<Eigen::MatrixXf> factor_single_, coupling_single_;
  Eigen::VectorXd damping_;
  std::vector<std::pair<Eigen::Index, Eigen::Index>> pairs_;
  int threads_ = 1;
  bool factored_ = false;
  bool single_ = false;
};

}  // namespace varsphere
