// The interaction energy of self-attention and its dissipation (docs/math.md §2):
//
//   E_β(X) = (1/(2βn²)) Σ_{i,j} exp(β⟨x_i, A x_j⟩),
//
// with, for β = 0, the limit of E_β − 1/(2β): E_0(X) = (1/(2n²)) Σ_{i,j} ⟨x_i, A x_j⟩.
// For symmetric A and V = A (in particular Q = K = V = I) the USA flow is dX/dt = n·grad E
// (product metric) and the SA flow is the gradient of E for g_X(a, b) = (1/n²) Σ_i Z_i⟨a_i, b_i⟩,
// Z_i = Σ_k exp(β⟨x_i, A x_k⟩); along them dE/dt equals the dissipation functionals below.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <varsphere/manifolds/product.hpp>

namespace varsphere {

namespace detail {
/// exp(β S_ij) for S = XᵀAX, or S itself at β = 0 (the linear term of the limit).
template <class T>
Eigen::Matrix<T, -1, -1> energy_kernel(const Eigen::Matrix<T, -1, -1>& X, const Eigen::MatrixXd& A,
                                       double beta) {
  Eigen::Matrix<T, -1, -1> S = X.transpose() * (A.cast<T>() * X);
  if (beta == 0.0) return S;
  return (T(beta) * S.array()).exp().matrix();
}
}  // namespace detail

/// E_β(X) for any scalar (double or Jet): the generic n×n route (Lagrangians differentiate it).
template <class T>
T attention_energy(const Eigen::Matrix<T, -1, -1>& X, const Eigen::MatrixXd& A, double beta) {
  const double n = static_cast<double>(X.cols());
  const T total = detail::energy_kernel(X, A, beta).sum();
  return beta == 0.0 ? total / T(2 * n * n) : total / T(2 * beta * n * n);
}

// The double-precision functions below run on the tiled kernel (functionals/tiled_attention.hpp):
// O(nd) memory, `threads` OpenMP threads (0: all cores), the same result for every count.

/// E_β(X) in double precision, from the log-partition functions: (1/(2βn²)) Σ_i exp(log Z_i);
/// at β = 0, ⟨s, A s⟩/(2n²) with s = Σ_i x_i (O(nd)).
double attention_energy(const Eigen::MatrixXd& X, const Eigen::MatrixXd& A, double beta,
                        int threads = 0);

/// log E_β(X) for β > 0, computed stably: log Σ_i exp(log Z_i − m) + m − log(2βn²) with m the
/// largest log Z_i, so that it is finite where E_β itself overflows a double (β·max S > ~709).
/// Throws InvalidInput for β ≤ 0 (E_0 may be negative).
double attention_log_energy(const Eigen::MatrixXd& X, const Eigen::MatrixXd& A, double beta,
                            int threads = 0);

/// Euclidean gradient ∂E/∂x_i = (1/(2n²)) Σ_j [exp(βS_ij) A x_j + exp(βS_ji) Aᵀ x_j]
/// (at β = 0 the exponentials are replaced by 1) = (A U(A) + Aᵀ U(Aᵀ))_i / (2n²) with
/// U(B)_i = Σ_j exp(β⟨x_i, B x_j⟩) x_j, two unnormalized tiled sums (one for symmetric A).
Eigen::MatrixXd attention_energy_gradient(const Eigen::MatrixXd& X, const Eigen::MatrixXd& A,
                                          double beta, int threads = 0);

/// log Z_i = log Σ_k exp(β⟨x_i, A x_k⟩) for every token, in double precision (tiled).
Eigen::VectorXd log_partition_functions(const Eigen::MatrixXd& X, const Eigen::MatrixXd& A,
                                        double beta, int threads = 0);

/// Riemannian gradient for the product metric: P_X ∇E.
Eigen::MatrixXd attention_energy_riemannian_gradient(const Eigen::MatrixXd& X,
                                                     const Eigen::MatrixXd& A, double beta);

/// Z_i = Σ_k exp(β⟨x_i, A x_k⟩), the softmax partition functions, for any scalar.
template <class T>
Eigen::Matrix<T, -1, 1> partition_functions(const Eigen::Matrix<T, -1, -1>& X,
                                            const Eigen::MatrixXd& A, double beta) {
  using Matrix = Eigen::Matrix<T, -1, -1>;
  // An identity A is not multiplied: in Jet arithmetic that is not free.
  const Matrix S =
      A.isIdentity(0.0) ? Matrix(X.transpose() * X) : Matrix(X.transpose() * (A.cast<T>() * X));
  return (T(beta) * S.array()).exp().rowwise().sum().matrix();
}

/// USA dissipation (1/n) Σ_i |ẋ_i|² — equals dE/dt along the USA flow with A = V symmetric.
double usa_dissipation(const Eigen::MatrixXd& dX);

/// SA dissipation (1/n²) Σ_i Z_i |ẋ_i|² — equals dE/dt along the SA flow with A = V symmetric.
double sa_dissipation(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dX, const Eigen::MatrixXd& A,
                      double beta, int threads = 0);

}  // namespace varsphere
