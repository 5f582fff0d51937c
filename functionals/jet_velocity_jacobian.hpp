// ∂F/∂X of a vector field by forward-mode Jets (core/jet_gradient.hpp), for fields whose weights
// have no closed-form derivative (Sinkhorn attention, the nGPT field): an (nd)×(nd) matrix in the
// layout of AttentionField::velocity_jacobian (entry (i·d + a, k·d + b) = ∂F_{i,a}/∂x_{k,b}), with
// F itself written to *velocity. The field must accept Jet matrices: f(T t, Mat<T> X, Mat<T>& dX).
#pragma once

#include <Eigen/Core>
#include <varsphere/core/jet_gradient.hpp>

namespace varsphere {

template <class Field>
Eigen::MatrixXd jet_velocity_jacobian(const Field& field, double t,
                                      const Eigen::Ref<const Eigen::MatrixXd>& X,
                                      Eigen::MatrixXd* velocity) {
  using J = ceres::Jet<double, kGradientChunk>;
  const Eigen::Index d = X.rows(), n = X.cols();
  const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(X.data(), d * n);
  Eigen::VectorXd F;
  Eigen::MatrixXd jac;
  value_and_jacobian(
      [&](const Eigen::Matrix<J, -1, 1>& xj) {
        const Eigen::Matrix<J, -1, -1> XJ = Eigen::Map<const Eigen::Matrix<J, -1, -1>>(xj.data(), d, n);
        Eigen::Matrix<J, -1, -1> FJ;
        field(J(t), XJ, FJ);
        return Eigen::Matrix<J, -1, 1>(Eigen::Map<const Eigen::Matrix<J, -1, 1>>(FJ.data(), d * n));
      },
      x, F, jac);
  if (velocity != nullptr) *velocity = Eigen::Map<const Eigen::MatrixXd>(F.data(), d, n);
  return jac;
}

}  // namespace varsphere
