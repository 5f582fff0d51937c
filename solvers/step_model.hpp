// The discrete Lagrangian of one Lagrangian under one quadrature rule (docs/math.md §3.2), as the
// compiled BVP solver, the DEL residual, the discrete action and checkEL see it: a small
// non-template interface (the Ceres pattern — user functors are adapted at the edge, the solver
// is compiled once). `LagrangianStepModel<L>` (lagrangian_step_model.hpp) implements it for any
// Lagrangian; nothing else needs to.
//
// A step joins node X_a at time t_a to node X_b at t_a + h (d×n matrices, a column per token).
// Gradients and Jacobians are ambient (column i·d + c = ∂/∂x_{i,c}); "false" means a token of
// the step is (numerically) antipodal, where the discrete Lagrangian is undefined.
#pragma once

#include <Eigen/Core>
#include <varsphere/solvers/discrete_rule.hpp>
#include <varsphere/solvers/factored_step_jacobian.hpp>

namespace varsphere {

class StepModel {
 public:
  virtual ~StepModel() = default;

  virtual DiscreteRule rule() const = 0;

  /// L_d(X_a, X_b) = h·L(t*, M, V).
  virtual bool step_value(double t_a, double h, const Eigen::MatrixXd& Xa,
                          const Eigen::MatrixXd& Xb, double& value) const = 0;
  /// ∇_{X_a} L_d and ∇_{X_b} L_d (d×n each), each only where its pointer is not null.
  virtual bool step_gradients(double t_a, double h, const Eigen::MatrixXd& Xa,
                              const Eigen::MatrixXd& Xb, Eigen::MatrixXd* grad_a,
                              Eigen::MatrixXd* grad_b) const = 0;
  /// ∂L/∂X and ∂L/∂V at (t, X, V) (d×n each; checkEL).
  virtual void lagrangian_gradients(double t, const Eigen::MatrixXd& X, const Eigen::MatrixXd& V,
                                    Eigen::MatrixXd& Lx, Eigen::MatrixXd& Lv) const = 0;

  /// True if L = ½|r|² with residuals r (and, for a perturbed Lagrangian, ε ≥ 0).
  virtual bool least_squares() const = 0;
  /// Least squares only: the number of step residuals.
  virtual Eigen::Index residual_size(Eigen::Index d, Eigen::Index n) const = 0;
  /// Least squares only: the step residual r̃ = sqrt(h)·r(t*, M, V), L_d = ½|r̃|², and when Ja and
  /// Jb are not null its Jacobians ∂r̃/∂X_a, ∂r̃/∂X_b (m × nd).
  virtual bool step_residuals(double t_a, double h, const Eigen::MatrixXd& Xa,
                              const Eigen::MatrixXd& Xb, Eigen::VectorXd& r, Eigen::MatrixXd* Ja,
                              Eigen::MatrixXd* Jb) const = 0;
  /// True if step_residuals' Jacobians come from closed forms (else automatic differentiation).
  virtual bool closed_form_jacobians() const = 0;
  /// Least squares: step_residuals with the Jacobians in factored form (factored_step_jacobian.hpp),
  /// which the node-block solver assembles four times faster. Dense (the default): not available
  /// here, use step_residuals.
  virtual FactoredStep factored_step_residuals(double /*t_a*/, double /*h*/,
                                               const Eigen::MatrixXd& /*Xa*/,
                                               const Eigen::MatrixXd& /*Xb*/, Eigen::VectorXd& /*r*/,
                                               FactoredStepJacobian& /*J*/) const {
    return FactoredStep::Dense;
  }

  /// True for a SplitLeastSquaresLagrangian (least-squares partner + null Lagrangian;
  /// split_step.hpp).
  virtual bool splits() const = 0;
  /// Split only: rows of the split step residual without the defect row.
  virtual Eigen::Index split_residual_size(Eigen::Index d, Eigen::Index n) const = 0;
  /// Split only: s = [R r̃ ; sqrt(2(c + offset))] and its Jacobians (split_step.hpp).
  virtual bool split_step_residuals(double t_a, double h, double offset, const Eigen::MatrixXd& Xa,
                                    const Eigen::MatrixXd& Xb, Eigen::VectorXd& s,
                                    Eigen::MatrixXd* Ja, Eigen::MatrixXd* Jb) const = 0;
  /// Split only: split_step_residuals with factored Jacobians (Dense: not available).
  virtual FactoredStep factored_split_step_residuals(double /*t_a*/, double /*h*/,
                                                     double /*offset*/,
                                                     const Eigen::MatrixXd& /*Xa*/,
                                                     const Eigen::MatrixXd& /*Xb*/,
                                                     Eigen::VectorXd& /*s*/,
                                                     FactoredStepJacobian& /*J*/) const {
    return FactoredStep::Dense;
  }
  /// Split only: the defect c of the step.
  virtual bool split_step_defect(double t_a, double h, const Eigen::MatrixXd& Xa,
                                 const Eigen::MatrixXd& Xb, double& defect) const = 0;
  /// Split only: the potential Φ of the null Lagrangian dΦ/dt.
  virtual double split_potential(const Eigen::MatrixXd& X) const = 0;
};

}  // namespace varsphere
