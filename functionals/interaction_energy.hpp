// The interaction energy of layer-normalized self-attention (MATH.md §4, BKKRW), for a symmetric
// interaction matrix D (β absorbed into D):
//     E_D(μ) = ∫∫ exp(⟨x, D y⟩) dμ(x) dμ(y),   particles: E_D(X) = (1/n²) Σ_ij exp(⟨x_i, D x_j⟩).
// With e_ij = exp(⟨x_i, D x_j⟩):
//     ∇_{x_i} E = (2/n²) Σ_j e_ij D x_j,
//     ∂²E/∂x_i∂x_k = (2/n²) e_ik (D + D x_k (D x_i)ᵀ)                             (k ≠ i),
//     ∂²E/∂x_i²     = (2/n²) [Σ_{j≠i} e_ij D x_j (D x_j)ᵀ + e_ii (D + 2 D x_i (D x_i)ᵀ)],
// and on (S^{d−1})^n the Riemannian gradient P_{x_i}∇_{x_i}E and Hessian
//     Hess E[u]_i = P_{x_i} Σ_k ∂²E/∂x_i∂x_k u_k − ⟨x_i, ∇_{x_i}E⟩ u_i   (MATH.md §1).
// Stationary points: P_{x_i} ∫ e^{⟨x_i, D y⟩} D y dμ(y) = 0 on the support of μ. The same energy,
// first variation and residual are defined for any discrete measure (weighted particles, grid
// measures on S¹), of which the particles' empirical measure is the equal-weight case.
// E_D is twice the attention energy E_β of MATH.md §2 with β = 1 and A = D, which computes it.
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
  /// Throws InvalidInput unless D is a finite, symmetric, square matrix.
  explicit InteractionEnergy(Eigen::MatrixXd D) : D_(std::move(D)) {
    if (D_.rows() != D_.cols() || D_.rows() < 2 || !D_.allFinite()) {
      throw InvalidInput("interaction energy: D must be a finite square matrix of size >= 2");
    }
    validate_symmetric(D_, "interaction energy: D");
    D_ = (0.5 * (D_ + D_.transpose())).eval();  // eval: no aliasing with the transpose
  }

  const Eigen::MatrixXd& D() const { return D_; }
  Eigen::Index dimension() const { return D_.rows(); }

  /// E_D(X) for any scalar (double or Jet).
  template <class T>
  T operator()(const Eigen::Matrix<T, -1, -1>& X) const {
    return T(2) * attention_energy(X, D_, 1.0);
  }

  /// Euclidean gradient, d×n.
  Eigen::MatrixXd gradient(const Eigen::MatrixXd& X) const {
    return 2.0 * attention_energy_gradient(X, D_, 1.0);
  }

  /// Riemannian gradient on (S^{d−1})^n: P_{x_i} ∇_{x_i} E.
  Eigen::MatrixXd riemannian_gradient(const Eigen::MatrixXd& X) const {
    return product::riemannian_gradient(X, gradient(X));
  }

  /// The stationarity residual of the particles: that of their empirical measure (below), n/2
  /// times max_i |P_{x_i} ∇_{x_i} E|.
  double stationarity_residual(const Eigen::MatrixXd& X) const {
    return stationarity_residual(empirical_measure(X));
  }

  /// K_kl = exp(⟨x_k, D y_l⟩) for the columns of X and Y.
  Eigen::MatrixXd kernel(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const {
    return (X.transpose() * D_ * Y).array().exp().matrix();
  }

  /// E_D(μ) = Σ_kl w_k w_l exp(⟨x_k, D x_l⟩) for a discrete measure (grid or weighted particles).
  double operator()(const DiscreteMeasure& mu) const {
    return mu.weights.dot(kernel(mu.support, mu.support) * mu.weights);
  }

  /// The first variation δE/δμ(y) = 2 ∫ exp(⟨y, D x⟩) dμ(x) at each column y of Y:
  /// E(μ + tν) = E(μ) + t ∫ δE/δμ dν + O(t²) for signed ν of mass 0.
  Eigen::VectorXd first_variation(const DiscreteMeasure& mu, const Eigen::MatrixXd& Y) const {
    return 2.0 * kernel(Y, mu.support) * mu.weights;
  }

  /// The stationarity residual max_k |P_{x_k} Σ_l w_l e^{⟨x_k, D x_l⟩} D x_l| over the atoms with
  /// w_k > support_threshold (half the tangential gradient of δE/δμ on the support).
  double stationarity_residual(const DiscreteMeasure& mu, double support_threshold = 0.0) const {
    const Eigen::MatrixXd& X = mu.support;
    const Eigen::MatrixXd F = D_ * X * (kernel(X, X) * mu.weights.asDiagonal()).transpose();
    const Eigen::VectorXd norms = product::tangent_project(X, F).colwise().norm().transpose();
    double worst = 0.0;
    for (Eigen::Index k = 0; k < X.cols(); ++k)
      if (mu.weights(k) > support_threshold) worst = std::max(worst, norms(k));
    return worst;
  }

  /// Euclidean Hessian, (nd)×(nd), token-major blocks (i, k).
  Eigen::MatrixXd hessian(const Eigen::MatrixXd& X) const {
    const Eigen::Index d = X.rows(), n = X.cols();
    const Eigen::MatrixXd DX = D_ * X;
    const Eigen::MatrixXd E = (X.transpose() * DX).array().exp().matrix();
    const double c = 2.0 / (double(n) * double(n));
    Eigen::MatrixXd H = Eigen::MatrixXd::Zero(n * d, n * d);
    for (Eigen::Index i = 0; i < n; ++i) {
      for (Eigen::Index k = 0; k < n; ++k) {
        auto block = H.block(i * d, k * d, d, d);
        if (k != i) {
          block = c * E(i, k) * (D_ + DX.col(k) * DX.col(i).transpose());
          continue;
        }
        block = c * E(i, i) * (D_ + 2.0 * DX.col(i) * DX.col(i).transpose());
        for (Eigen::Index j = 0; j < n; ++j)
          if (j != i) block += c * E(i, j) * DX.col(j) * DX.col(j).transpose();
      }
    }
    return H;
  }

  /// Riemannian Hessian as a symmetric (nd)×(nd) matrix acting on ambient tangent vectors
  /// (zero on the normal directions): blocks P_i H_ik P_k − δ_ik ⟨x_i, ∇_i E⟩ P_i.
  Eigen::MatrixXd riemannian_hessian(const Eigen::MatrixXd& X) const {
    const Eigen::Index d = X.rows(), n = X.cols();
    const Eigen::MatrixXd H = hessian(X), G = gradient(X);
    std::vector<Eigen::MatrixXd> P(n);  // tangent projections, once per token
    for (Eigen::Index i = 0; i < n; ++i)
      P[i] = Eigen::MatrixXd::Identity(d, d) - X.col(i) * X.col(i).transpose();
    Eigen::MatrixXd R(n * d, n * d);
    for (Eigen::Index i = 0; i < n; ++i) {
      for (Eigen::Index k = 0; k < n; ++k)
        R.block(i * d, k * d, d, d) = P[i] * H.block(i * d, k * d, d, d) * P[k];
      R.block(i * d, i * d, d, d) -= X.col(i).dot(G.col(i)) * P[i];
    }
    return 0.5 * (R + R.transpose());
  }

 private:
  Eigen::MatrixXd D_;
};

}  // namespace varsphere
