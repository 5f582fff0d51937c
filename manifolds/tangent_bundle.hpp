// The tangent bundle T(S^{d-1})^n: points (X, V) with X ∈ (S^{d-1})^n and V ∈ T_X, the state
// space of Lagrangian mechanics (docs/math.md §3). n = 1 is the tangent bundle of one sphere.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/manifolds/sphere.hpp>

namespace varsphere {

/// max_i |⟨x_i, v_i⟩|: how far V is from being tangent at X (0 for a tangent vector).
inline double tangency_defect(const Eigen::Ref<const Eigen::MatrixXd>& X,
                              const Eigen::Ref<const Eigen::MatrixXd>& V) {
  return (X.cwiseProduct(V).colwise().sum()).cwiseAbs().maxCoeff();
}

/// A validated point of the tangent bundle: X on (S^{d-1})^n and V tangent at X.
class TangentBundlePoint {
 public:
  /// Throws InvalidInput if X is not a configuration (validate_configuration), if V has another
  /// shape or non-finite entries, or if some |⟨x_i, v_i⟩| exceeds `tangent_tol`·max(1, ‖v_i‖).
  TangentBundlePoint(Configuration X, Eigen::MatrixXd V, double tangent_tol = 1e-10)
      : X_(std::move(X)), V_(std::move(V)) {
    validate_configuration(X_, kUnitTolerance, "tangent bundle point");
    if (V_.rows() != X_.rows() || V_.cols() != X_.cols()) {
      throw InvalidInput("tangent bundle point: velocity shape differs from the configuration");
    }
    validate_finite(V_, "tangent bundle point velocity");
    for (Eigen::Index i = 0; i < X_.cols(); ++i) {
      const double defect = std::abs(X_.col(i).dot(V_.col(i)));
      if (defect > tangent_tol * std::max(1.0, V_.col(i).norm())) {
        throw InvalidInput("tangent bundle point: velocity of token " + std::to_string(i + 1) +
                           " is not tangent (|<x, v>| = " + std::to_string(defect) + ")");
      }
    }
  }

  const Configuration& point() const { return X_; }
  const Eigen::MatrixXd& velocity() const { return V_; }
  Eigen::Index dimension() const { return X_.rows(); }
  Eigen::Index tokens() const { return X_.cols(); }

 private:
  Configuration X_;
  Eigen::MatrixXd V_;
};

/// Geodesic flow on the tangent bundle: the state (γ(t), γ'(t)) of the geodesic with
/// γ(0) = x_i, γ'(0) = v_i, token by token:
///   γ(t) = cos(t‖v‖) x + sin(t‖v‖) v/‖v‖,   γ'(t) = −‖v‖ sin(t‖v‖) x + cos(t‖v‖) v.
/// It solves the Euler–Lagrange equation of the kinetic Lagrangian, x'' = −|x'|² x (docs/math.md §3).
inline TangentBundlePoint geodesic_flow(const TangentBundlePoint& state, double t) {
  const auto& X = state.point();
  const auto& V = state.velocity();
  Configuration Xt(X.rows(), X.cols());
  Eigen::MatrixXd Vt(V.rows(), V.cols());
  for (Eigen::Index i = 0; i < X.cols(); ++i) {
    double c = 0.0, s = 0.0;  // cos(t|v|), sin(t|v|)/(t|v|)
    const double speed2 = V.col(i).squaredNorm();
    sphere::detail::cos_and_sinc_from_squared(t * t * speed2, c, s);
    Xt.col(i) = c * X.col(i) + (s * t) * V.col(i);
    Vt.col(i) = -(s * t * speed2) * X.col(i) + c * V.col(i);
  }
  return TangentBundlePoint(std::move(Xt), std::move(Vt), 1e-8);
}

}  // namespace varsphere
