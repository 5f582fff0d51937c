// Flow-matching (Onsager–Machlup type) Lagrangian L = ½ Σ_i w_i(X) |v_i − F_i(t, X)|² for any
// vector field F (docs/math.md §3): attention with general A and V, several heads, time-dependent
// heads, or a user functor templated on the scalar. The flow of F is the unique path of zero
// action, so the BVP between two points of a flow trajectory returns that trajectory.
// The metric weights default to the product metric; in the metric of a gradient structure it
// differs from the De Giorgi Lagrangian by the null Lagrangian ⟨V, grad_g E⟩_g = dE/dt.
#pragma once

#include <cmath>
#include <concepts>
#include <functional>
#include <varsphere/functionals/lagrangian.hpp>
#include <varsphere/functionals/metric_weights.hpp>

namespace varsphere {

/// A vector field with a closed-form Jacobian, like AttentionField::velocity_jacobian: ∂F/∂X as an
/// (nd)×(nd) matrix, with F itself written to *velocity.
template <class F>
concept FieldWithJacobian = requires(const F& f, double t, const Eigen::MatrixXd& X,
                                     Eigen::MatrixXd* velocity) {
  { f.velocity_jacobian(t, X, velocity) } -> std::convertible_to<Eigen::MatrixXd>;
};

/// A vector field with a vector-Jacobian product, like AttentionField::velocity_vjp: (∂F/∂X)ᵀR as
/// a d×n matrix for a cotangent R = cotangent(F) computed from F itself, with F written to
/// *velocity.
template <class F>
concept FieldWithVjp = requires(const F& f, double t, const Eigen::MatrixXd& X,
                                const std::function<Eigen::MatrixXd(const Eigen::MatrixXd&)>& cotangent,
                                Eigen::MatrixXd* velocity) {
  { f.velocity_vjp(t, X, cotangent, velocity) } -> std::convertible_to<Eigen::MatrixXd>;
};

template <class Field>
struct FlowMatchingLagrangian {
  Field field;
  MetricWeights metric = MetricWeights::euclidean();

  Eigen::Index residual_size(Eigen::Index d, Eigen::Index n) const { return d * n; }
  /// r_i = sqrt(w_i) (v_i − F_i(t, X)).
  template <class T>
  void residuals(const T& t, const Mat<T>& X, const Mat<T>& V, Vec<T>& r) const {
    using std::sqrt;
    Mat<T> F;
    field(t, X, F);
    const Vec<T> w = metric(X);
    r.resize(X.size());
    for (Eigen::Index i = 0; i < X.cols(); ++i) {
      r.segment(i * X.rows(), X.rows()) = sqrt(w(i)) * (V.col(i) - F.col(i));
    }
  }
  template <class T>
  T operator()(const T& t, const Mat<T>& X, const Mat<T>& V) const {
    return half_squared_residual(*this, t, X, V);
  }

  /// Closed-form ∂r/∂X and ∂r/∂V for a field with a closed-form Jacobian (FieldWithJacobian):
  ///   ∂r_i/∂x_k = −sqrt(w_i) ∂F_i/∂x_k + (v_i − F_i)(∂w_i/∂x_k)ᵀ / (2 sqrt(w_i)),
  ///   ∂r_i/∂v_k = δ_ik sqrt(w_i) I.
  void residual_jacobians(double t, const Eigen::MatrixXd& X, const Eigen::MatrixXd& V,
                          Eigen::VectorXd& r, Eigen::MatrixXd& JX,
                          Eigen::MatrixXd& JV) const requires FieldWithJacobian<Field> {
    const Eigen::Index d = X.rows(), n = X.cols();
    Eigen::MatrixXd F;
    JX = -field.velocity_jacobian(t, X, &F);
    const Eigen::VectorXd w = metric(X), sw = w.cwiseSqrt();
    const Eigen::MatrixXd G = metric.gradient(X);
    JV = Eigen::MatrixXd::Zero(n * d, n * d);
    r.resize(n * d);
    for (Eigen::Index i = 0; i < n; ++i) {
      const Eigen::VectorXd diff = V.col(i) - F.col(i);
      r.segment(i * d, d) = sw(i) * diff;
      JX.middleRows(i * d, d) *= sw(i);
      JX.middleRows(i * d, d) += diff * G.row(i) / (2 * sw(i));
      JV.block(i * d, i * d, d, d).diagonal().setConstant(sw(i));
    }
  }

  /// gX = (∂r/∂X)ᵀr = −(∂F/∂X)ᵀ(w∘(V − F)) + Σ_i ½|v_i − F_i|² ∇w_i and gV = w∘(V − F), by the
  /// field's vector-Jacobian product (GradientLeastSquaresLagrangian).
  void residual_gradients(double t, const Eigen::MatrixXd& X, const Eigen::MatrixXd& V,
                          Eigen::MatrixXd& gX, Eigen::MatrixXd& gV) const
      requires FieldWithJacobian<Field> && FieldWithVjp<Field> {
    const Eigen::Index d = X.rows(), n = X.cols();
    const Eigen::VectorXd w = metric(X);
    Eigen::MatrixXd F;
    gX = -field.velocity_vjp(
        t, X, [&](const Eigen::MatrixXd& field_value) { return gV = (V - field_value) * w.asDiagonal(); },
        &F);
    if (metric.kind == MetricWeights::Kind::Sa) {  // other metrics have constant weights
      const Eigen::VectorXd half = 0.5 * (V - F).colwise().squaredNorm().transpose();
      const Eigen::VectorXd g = metric.gradient(X).transpose() * half;
      gX += Eigen::Map<const Eigen::MatrixXd>(g.data(), d, n);
    }
  }
};

template <class Field>
FlowMatchingLagrangian(Field) -> FlowMatchingLagrangian<Field>;
template <class Field>
FlowMatchingLagrangian(Field, MetricWeights) -> FlowMatchingLagrangian<Field>;

}  // namespace varsphere
