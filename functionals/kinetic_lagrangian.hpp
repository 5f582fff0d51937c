// Kinetic Lagrangian L = ½ Σ_i |v_i|² (docs/math.md §3): its Euler–Lagrange solutions are great circles,
// x_i'' = −|x_i'|² x_i, and its BVP minimizers the constant-speed geodesics (slerp).
#pragma once

#include <varsphere/functionals/lagrangian.hpp>

namespace varsphere {

struct KineticLagrangian {
  Eigen::Index residual_size(Eigen::Index d, Eigen::Index n) const { return d * n; }
  /// r = V, column by column.
  template <class T>
  void residuals(const T&, const Mat<T>&, const Mat<T>& V, Vec<T>& r) const {
    r = Eigen::Map<const Vec<T>>(V.data(), V.size());
  }
  /// r = V: ∂r/∂X = 0, ∂r/∂V = I.
  void residual_jacobians(double, const Eigen::MatrixXd& X, const Eigen::MatrixXd& V,
                          Eigen::VectorXd& r, Eigen::MatrixXd& JX, Eigen::MatrixXd& JV) const {
    r = Eigen::Map<const Eigen::VectorXd>(V.data(), V.size());
    JX = Eigen::MatrixXd::Zero(X.size(), X.size());
    JV = Eigen::MatrixXd::Identity(X.size(), X.size());
  }
  template <class T>
  T operator()(const T&, const Mat<T>&, const Mat<T>& V) const {
    return T(0.5) * V.squaredNorm();
  }
};

}  // namespace varsphere
