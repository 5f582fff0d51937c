// Test battery for users (framework-neutral: returns error figures): the closed-form residual
// Jacobians of an AnalyticLeastSquaresLagrangian (functionals/lagrangian.hpp) against automatic
// differentiation of its templated `residuals`. Run it on a Lagrangian you give
// `residual_jacobians` before trusting the BVP solver with it (docs/tutorial.md).
#pragma once

#include <algorithm>
#include <varsphere/core/jet_gradient.hpp>
#include <varsphere/functionals/lagrangian.hpp>

namespace varsphere::testing {

struct ResidualJacobianError {
  double residual = 0.0;  ///< max |r_closed − r_jet|: both residual paths agree
  double jacobian = 0.0;  ///< max |[∂r/∂X ∂r/∂V]_closed − the same from Jets|
  /// GradientLeastSquaresLagrangian only: max |[gX gV] − Jᵀr| of residual_gradients against the
  /// Jets' Jacobian (0 for other Lagrangians).
  double gradient = 0.0;
};

/// Compares at (t, X, V) (X d×n on the sphere, V tangent, though any values are valid input).
template <AnalyticLeastSquaresLagrangian L>
ResidualJacobianError residual_jacobian_error(const L& lagrangian, double t,
                                              const Eigen::MatrixXd& X, const Eigen::MatrixXd& V) {
  const Eigen::Index d = X.rows(), n = X.cols();
  Eigen::VectorXd r, r_jet;
  Eigen::MatrixXd JX, JV, J_jet;
  lagrangian.residual_jacobians(t, X, V, r, JX, JV);
  Eigen::VectorXd xv(2 * d * n);
  xv << Eigen::Map<const Eigen::VectorXd>(X.data(), d * n),
      Eigen::Map<const Eigen::VectorXd>(V.data(), d * n);
  value_and_jacobian(
      [&](const Vec<LagrangianJet>& z) {
        Vec<LagrangianJet> out;
        lagrangian.residuals(LagrangianJet(t),
                             Mat<LagrangianJet>(Eigen::Map<const Mat<LagrangianJet>>(z.data(), d, n)),
                             Mat<LagrangianJet>(
                                 Eigen::Map<const Mat<LagrangianJet>>(z.data() + d * n, d, n)),
                             out);
        return out;
      },
      xv, r_jet, J_jet);
  Eigen::MatrixXd J(JX.rows(), 2 * d * n);
  J << JX, JV;
  ResidualJacobianError out{(r - r_jet).cwiseAbs().maxCoeff(), (J - J_jet).cwiseAbs().maxCoeff()};
  if constexpr (GradientLeastSquaresLagrangian<L>) {
    Eigen::MatrixXd gX, gV;
    lagrangian.residual_gradients(t, X, V, gX, gV);
    Eigen::VectorXd g(2 * d * n);
    g << Eigen::Map<const Eigen::VectorXd>(gX.data(), d * n),
        Eigen::Map<const Eigen::VectorXd>(gV.data(), d * n);
    out.gradient = (g - J_jet.transpose() * r_jet).cwiseAbs().maxCoeff();
  }
  return out;
}

}  // namespace varsphere::testing
