// De Giorgi (energy-dissipation) Lagrangian of an attention flow that is a gradient ascent of
// E_β (docs/math.md §3.4): with F = grad_g E,
//     L = ½|V|²_g + ½|grad_g E(X)|²_g = ½ Σ_i w_i(X) (|v_i|² + |F_i(X)|²),
// USA: w_i = 1/n (F the USA field); SA: w_i = Z_i(X)/n² (F the SA field). For every path,
// S[γ] ≥ E(X_T) − E(X_0) with equality only on the ascent flow, so the BVP minimizer between the
// flow's endpoints is the flow and the minimal action is the energy gain.
// It requires the gradient structure: A symmetric and V = A (Q = K = V = I included).
#pragma once

#include <cmath>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/functionals/lagrangian.hpp>
#include <varsphere/functionals/metric_weights.hpp>

namespace varsphere {

class DeGiorgiLagrangian {
 public:
  /// Throws InvalidInput unless A is a finite d×d matrix, symmetric to rounding
  /// (validate_symmetric); it is then used as (A + Aᵀ)/2.
  DeGiorgiLagrangian(AttentionNormalization normalization, double beta, const Eigen::MatrixXd& A)
      : A_(symmetric_part(A)),
        beta_(beta),
        field_(A_.rows(), {{A_, A_}}, {.normalization = normalization, .beta = beta}),
        metric_(normalization == AttentionNormalization::Softmax ? MetricWeights::sa(beta, A_)
                                                                 : MetricWeights::usa()) {}
  /// Q = K = V = I in dimension d.
  static DeGiorgiLagrangian identity(AttentionNormalization normalization, double beta,
                                     Eigen::Index d);

  const AttentionField& field() const { return field_; }
  const MetricWeights& metric() const { return metric_; }

  Eigen::Index residual_size(Eigen::Index d, Eigen::Index n) const { return 2 * d * n; }
  /// r = [sqrt(w_i) v_i ; sqrt(w_i) F_i].
  template <class T>
  void residuals(const T& t, const Mat<T>& X, const Mat<T>& V, Vec<T>& r) const {
    using std::sqrt;
    Mat<T> F;
    field_(t, X, F);
    const Vec<T> w = metric_(X);
    const Eigen::Index d = X.rows(), n = X.cols();
    r.resize(2 * d * n);
    for (Eigen::Index i = 0; i < n; ++i) {
      r.segment(i * d, d) = sqrt(w(i)) * V.col(i);
      r.segment((n + i) * d, d) = sqrt(w(i)) * F.col(i);
    }
  }
  template <class T>
  T operator()(const T& t, const Mat<T>& X, const Mat<T>& V) const {
    return half_squared_residual(*this, t, X, V);
  }

  /// Closed-form ∂r/∂X and ∂r/∂V: for the velocity part sqrt(w_i) v_i,
  /// ∂/∂x_k = v_i (∂w_i/∂x_k)ᵀ/(2 sqrt(w_i)) and ∂/∂v_k = δ_ik sqrt(w_i) I; for the field part
  /// sqrt(w_i) F_i, ∂/∂x_k = sqrt(w_i) ∂F_i/∂x_k + F_i (∂w_i/∂x_k)ᵀ/(2 sqrt(w_i)).
  void residual_jacobians(double t, const Eigen::MatrixXd& X, const Eigen::MatrixXd& V,
                          Eigen::VectorXd& r, Eigen::MatrixXd& JX, Eigen::MatrixXd& JV) const;

  /// gX = (∂F/∂X)ᵀ(w∘F) + Σ_i ½(|v_i|² + |F_i|²) ∇w_i and gV = w∘V, the gradient of ½|r|² in
  /// O(n²d) (GradientLeastSquaresLagrangian).
  void residual_gradients(double t, const Eigen::MatrixXd& X, const Eigen::MatrixXd& V,
                          Eigen::MatrixXd& gX, Eigen::MatrixXd& gV) const;

  /// Null-Lagrangian split (SplitLeastSquaresLagrangian): ½|V|²_g + ½|F|²_g = ½|V − F|²_g + ⟨V,
  /// F⟩_g and ⟨V, F⟩_g = ⟨V, grad_g E⟩_g = ⟨∇E(X), V⟩ = dE/dt, so the partner is flow matching in
  /// the same metric (rows sqrt(w_i)(v_i − F_i) = velocity rows − field rows) and Φ = E_β.
  Eigen::Index split_residual_size(Eigen::Index d, Eigen::Index n) const { return d * n; }
  Eigen::MatrixXd partner_rows(const Eigen::MatrixXd& rows) const;
  double split_potential(const Eigen::MatrixXd& X) const { return attention_energy(X, A_, beta_); }
  Eigen::MatrixXd split_potential_gradient(const Eigen::MatrixXd& X) const;

 private:
  static Eigen::MatrixXd symmetric_part(const Eigen::MatrixXd& A);

  Eigen::MatrixXd A_;
  double beta_;
  AttentionField field_;
  MetricWeights metric_;
};

}  // namespace varsphere
