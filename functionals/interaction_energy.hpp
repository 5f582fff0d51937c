// The interaction energy of layer-normalized self-attention (docs/math.md §4, BKKRW), for a symmetric
// interaction matrix D (β absorbed into D):
//     E_D(μ) = ∫∫ exp(⟨x, D y⟩) dμ(x) dμ(y),   particles: E_D(X) = (1/n²) Σ_ij exp(⟨x_i, D x_j⟩).
// With e_ij = exp(⟨x_i, D x_j⟩):
//     ∇_{x_i} E = (2/n²) Σ_j e_ij D x_j,
//     ∂²E/∂x_i∂x_k = (2/n²) e_ik (D + D x_k (D x_i)ᵀ)                             (k ≠ i),
//     ∂²E/∂x_i²     = (2/n²) [Σ_{j≠i} e_ij D x_j (D x_j)ᵀ + e_ii (D + 2 D x_i (D x_i)ᵀ)],
// and on (S^{d−1})^n the Riemannian gradient P_{x_i}∇_{x_i}E and Hessian
//     Hess E[u]_i = P_{x_i} Σ_k ∂²E/∂x_i∂x_k u_k − ⟨x_i, ∇_{x_i}E⟩ u_i   (docs/math.md §1).
// Stationary points: P_{x_i} ∫ e^{⟨x_i, D y⟩} D y dμ(y) = 0 on the support of μ. The same energy,
// first variation and residual are defined for any discrete measure (weighted particles, grid
// measures on S¹), of which the particles' empirical measure is the equal-weight case.
// E_D is twice the attention energy E_β of docs/math.md §2 with β = 1 and A = D, which computes it.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/manifolds/discrete_measure.hpp>
#include <varsphere/manifolds/product.hpp>
#include <vector>

namespace varsphere {

class InteractionEnergy {
 public:
  explicit InteractionEnergy(Eigen::MatrixXd D);

  const Eigen::MatrixXd& D() const { return D_; }
  Eigen::Index dimension() const { return D_.rows(); }

  /// E_D(X) for any scalar (double or Jet).
  template <class T>
  T operator()(const Eigen::Matrix<T, -1, -1>& X) const {
    return T(2) * attention_energy(X, D_, 1.0);
  }

  /// Euclidean gradient, d×n.
  Eigen::MatrixXd gradient(const Eigen::MatrixXd& X) const;

  /// Riemannian gradient on (S^{d−1})^n: P_{x_i} ∇_{x_i} E.
  Eigen::MatrixXd riemannian_gradient(const Eigen::MatrixXd& X) const;

  /// The stationarity residual of the particles: that of their empirical measure (below), n/2
  /// times max_i |P_{x_i} ∇_{x_i} E|.
  double stationarity_residual(const Eigen::MatrixXd& X) const;

  /// K_kl = exp(⟨x_k, D y_l⟩) for the columns of X and Y.
  Eigen::MatrixXd kernel(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const;

  /// E_D(μ) = Σ_kl w_k w_l exp(⟨x_k, D x_l⟩) for a discrete measure (grid or weighted particles).
  double operator()(const DiscreteMeasure& mu) const;

  /// The first variation δE/δμ(y) = 2 ∫ exp(⟨y, D x⟩) dμ(x) at each column y of Y:
  /// E(μ + tν) = E(μ) + t ∫ δE/δμ dν + O(t²) for signed ν of mass 0.
  Eigen::VectorXd first_variation(const DiscreteMeasure& mu, const Eigen::MatrixXd& Y) const;

  /// The stationarity residual max_k |P_{x_k} Σ_l w_l e^{⟨x_k, D x_l⟩} D x_l| over the atoms with
  /// w_k > support_threshold (half the tangential gradient of δE/δμ on the support).
  double stationarity_residual(const DiscreteMeasure& mu, double support_threshold = 0.0) const;

  /// Euclidean Hessian, (nd)×(nd), token-major blocks (i, k).
  Eigen::MatrixXd hessian(const Eigen::MatrixXd& X) const;

  /// Riemannian Hessian as a symmetric (nd)×(nd) matrix acting on ambient tangent vectors
  /// (zero on the normal directions): blocks P_i H_ik P_k − δ_ik ⟨x_i, ∇_i E⟩ P_i.
  Eigen::MatrixXd riemannian_hessian(const Eigen::MatrixXd& X) const;

 private:
  Eigen::MatrixXd D_;
};

}  // namespace varsphere
