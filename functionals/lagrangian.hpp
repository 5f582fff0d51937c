// Lagrangians on the tangent bundle T(S^{d-1})^n (docs/math.md §3).
//
// A Lagrangian is any object with
//     template <class T> T operator()(const T& t, const Mat<T>& X, const Mat<T>& V) const;
// where X (d×n) is a configuration and V (d×n) a tangent velocity; it may couple all tokens and
// must work for double and ceres::Jet (the library differentiates it automatically; the concept
// `Lagrangian` checks both calls, so a double-only functor is refused with one message). That is
// all a user writes: the discrete Lagrangian, the discrete Euler–Lagrange (DEL) equations, the BVP
// solver and checkEL are derived from it.
//
// A least-squares Lagrangian, L = ½|r(t, X, V)|², additionally provides
//     Eigen::Index residual_size(Eigen::Index d, Eigen::Index n) const;
//     template <class T> void residuals(const T& t, const Mat<T>& X, const Mat<T>& V,
//                                       Eigen::Matrix<T, -1, 1>& r) const;
// and is then solved by Levenberg–Marquardt on the residuals (docs/math.md §3.3). It may also
// provide `bool least_squares_applicable() const`: false says that this instance is not a sum of
// squares after all (PerturbedLagrangian with ε < 0), and the solver uses the DEL equations.
#pragma once

#include <Eigen/Core>
#include <concepts>
#include <varsphere/core/jet_gradient.hpp>

namespace varsphere {

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

/// The Jet type the library differentiates Lagrangians with (forward mode, kGradientChunk inputs at
/// a time).
using LagrangianJet = ceres::Jet<double, kGradientChunk>;

/// L(t, X, V) callable with double and with LagrangianJet.
template <class L>
concept Lagrangian = requires(const L& l, double t, const Eigen::MatrixXd& X,
                              const LagrangianJet& tj, const Mat<LagrangianJet>& Xj) {
  { l(t, X, X) } -> std::convertible_to<double>;
  { l(tj, Xj, Xj) } -> std::convertible_to<LagrangianJet>;
};

template <class L>
concept LeastSquaresLagrangian = Lagrangian<L> &&
    requires(const L& l, double t, const Eigen::MatrixXd& X, Eigen::VectorXd& r,
             const LagrangianJet& tj, const Mat<LagrangianJet>& Xj, Vec<LagrangianJet>& rj) {
  { l.residual_size(X.rows(), X.cols()) } -> std::convertible_to<Eigen::Index>;
  l.residuals(t, X, X, r);
  l.residuals(tj, Xj, Xj, rj);
};

/// A least-squares Lagrangian that also provides its residual Jacobians in closed form,
///     void residual_jacobians(double t, const Eigen::MatrixXd& X, const Eigen::MatrixXd& V,
///                             Eigen::VectorXd& r, Eigen::MatrixXd& JX, Eigen::MatrixXd& JV) const;
/// with JX = ∂r/∂X and JV = ∂r/∂V (m × nd, ambient coordinates, column k·d + b = ∂/∂x_{k,b}).
/// The BVP solver then assembles the step Jacobians from them instead of automatic
/// differentiation (same values, far fewer operations for attention Lagrangians).
template <class L>
concept AnalyticLeastSquaresLagrangian = LeastSquaresLagrangian<L> &&
    requires(const L& l, double t, const Eigen::MatrixXd& X, Eigen::VectorXd& r,
             Eigen::MatrixXd& J) {
  l.residual_jacobians(t, X, X, r, J, J);
};

/// An analytic least-squares Lagrangian that also gives the gradient of ½|r|² without forming its
/// Jacobians,
///     void residual_gradients(double t, const Eigen::MatrixXd& X, const Eigen::MatrixXd& V,
///                             Eigen::MatrixXd& gX, Eigen::MatrixXd& gV) const;
/// with gX = (∂r/∂X)ᵀ r and gV = (∂r/∂V)ᵀ r as d×n matrices: O(n²d) for attention instead of the
/// Jacobians' O(n²d²). Step gradients (the DEL residual, checkEL, the second variation of
/// solvers/action_hessian.hpp, which takes thousands of them per step) then use it.
template <class L>
concept GradientLeastSquaresLagrangian = AnalyticLeastSquaresLagrangian<L> &&
    requires(const L& l, double t, const Eigen::MatrixXd& X, Eigen::MatrixXd& G) {
  l.residual_gradients(t, X, X, G, G);
};

/// A least-squares Lagrangian that splits, in the continuum, into a least-squares partner whose
/// residuals are a fixed linear map R of its own and a null Lagrangian dΦ(X)[V] = dΦ/dt:
///     ½|r|² = ½|R r|² + ⟨∇Φ(X), V⟩,
/// through the members
///     Eigen::Index split_residual_size(Eigen::Index d, Eigen::Index n) const;  // rows of R
///     Eigen::MatrixXd partner_rows(const Eigen::MatrixXd& rows) const;  // R·rows (vector or J)
///     double split_potential(const Eigen::MatrixXd& X) const;                    // Φ
///     Eigen::MatrixXd split_potential_gradient(const Eigen::MatrixXd& X) const;  // ∇Φ, d×n
/// Example: De Giorgi = flow matching in the same metric + dE/dt (docs/math.md §3.4). The BVP
/// solver uses it to minimize the same discrete action with a nearly zero-residual least-squares
/// problem (solvers/split_step.hpp), on which Gauss–Newton converges much faster.
template <class L>
concept SplitLeastSquaresLagrangian = AnalyticLeastSquaresLagrangian<L> &&
    requires(const L& l, const Eigen::MatrixXd& X) {
  { l.split_residual_size(X.rows(), X.cols()) } -> std::convertible_to<Eigen::Index>;
  { l.partner_rows(X) } -> std::convertible_to<Eigen::MatrixXd>;
  { l.split_potential(X) } -> std::convertible_to<double>;
  { l.split_potential_gradient(X) } -> std::convertible_to<Eigen::MatrixXd>;
};

/// ½|r|² of a least-squares Lagrangian: its value as an ordinary Lagrangian.
template <class L, class T>
T half_squared_residual(const L& lagrangian, const T& t, const Mat<T>& X, const Mat<T>& V) {
  Vec<T> r(lagrangian.residual_size(X.rows(), X.cols()));
  lagrangian.residuals(t, X, V, r);
  return T(0.5) * r.squaredNorm();
}

}  // namespace varsphere
