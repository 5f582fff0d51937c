// Forward-mode gradients of scalar functions of many variables with fixed-size ceres::Jet chunks:
// ceil(m/S) evaluations of f with Jet<Scalar, S>, each seeding S of the m inputs. Scalar may
// itself be a Jet (nested differentiation: second derivatives for the DEL equations).
#pragma once

#include <ceres/jet.h>

#include <Eigen/Core>
#include <algorithm>

namespace varsphere {

inline constexpr int kGradientChunk = 8;

/// Returns f(x) and writes ∇f(x) into `grad`. f is a generic callable taking an
/// Eigen::Matrix<Jet<Scalar, S>, -1, 1> and returning a Jet<Scalar, S>.
template <int S = kGradientChunk, class Scalar, class F>
Scalar value_and_gradient(const F& f, const Eigen::Matrix<Scalar, -1, 1>& x,
                          Eigen::Matrix<Scalar, -1, 1>& grad) {
  using J = ceres::Jet<Scalar, S>;
  const Eigen::Index m = x.size();
  grad.resize(m);
  Eigen::Matrix<J, -1, 1> xj(m);
  for (Eigen::Index k = 0; k < m; ++k) xj(k) = J(x(k));
  Scalar value = Scalar(0);
  for (Eigen::Index begin = 0; begin < std::max<Eigen::Index>(m, 1); begin += S) {
    const Eigen::Index end = std::min<Eigen::Index>(begin + S, m);
    for (Eigen::Index k = begin; k < end; ++k) xj(k).v[k - begin] = Scalar(1);
    const J out = f(xj);
    value = out.a;
    for (Eigen::Index k = begin; k < end; ++k) {
      grad(k) = out.v[k - begin];
      xj(k).v[k - begin] = Scalar(0);
    }
  }
  return value;
}

/// Writes f(x) into `value` and its Jacobian (outputs × inputs) into `jac` for a vector-valued f
/// (a generic callable taking and returning Eigen vectors of Jet<double, S>).
template <int S = kGradientChunk, class F>
void value_and_jacobian(const F& f, const Eigen::VectorXd& x, Eigen::VectorXd& value,
                        Eigen::MatrixXd& jac) {
  using J = ceres::Jet<double, S>;
  const Eigen::Index m = x.size();
  Eigen::Matrix<J, -1, 1> xj(m);
  for (Eigen::Index k = 0; k < m; ++k) xj(k) = J(x(k));
  for (Eigen::Index begin = 0; begin < std::max<Eigen::Index>(m, 1); begin += S) {
    const Eigen::Index end = std::min<Eigen::Index>(begin + S, m);
    for (Eigen::Index k = begin; k < end; ++k) xj(k).v[k - begin] = 1.0;
    const Eigen::Matrix<J, -1, 1> out = f(xj);
    if (begin == 0) {
      value.resize(out.size());
      jac.resize(out.size(), m);
      for (Eigen::Index r = 0; r < out.size(); ++r) value(r) = out(r).a;
    }
    for (Eigen::Index k = begin; k < end; ++k) {
      for (Eigen::Index r = 0; r < out.size(); ++r) jac(r, k) = out(r).v[k - begin];
      xj(k).v[k - begin] = 0.0;
    }
  }
}

}  // namespace varsphere
