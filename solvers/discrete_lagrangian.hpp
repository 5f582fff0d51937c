// Discrete Lagrangians (docs/math.md §3.2, discrete mechanics): a step from node X_a to X_b on a
// grid of spacing h is evaluated at a state (t*, M, V):
//  * midpoint rule (second order): M = the geodesic midpoint (x_a + x_b)/|x_a + x_b| token by
//    token, V = the geodesic's velocity there, (θ/(h·c)) (x_b − x_a) with c = |x_b − x_a| and
//    θ = d(x_a, x_b) (θ/c as a series in c² near 0 keeps Jet derivatives), t* = t_a + h/2;
//  * left-endpoint rule (first order): M = X_a, V = log_{X_a}(X_b)/h, t* = t_a.
// L_d(X_a, X_b) = h·L(t*, M, V); for a least-squares Lagrangian the step residual is
// sqrt(h)·r(t*, M, V), so that L_d = ½|step residual|².
#pragma once

#include <cmath>
#include <utility>
#include <varsphere/functionals/lagrangian.hpp>
#include <varsphere/manifolds/sphere.hpp>
#include <varsphere/solvers/discrete_rule.hpp>
#include <varsphere/solvers/factored_step_jacobian.hpp>
#include <vector>

namespace varsphere {

/// The state (M, V) of a step; false if some token is (numerically) antipodal between the nodes.
template <class T>
bool step_state(DiscreteRule rule, const Mat<T>& Xa, const Mat<T>& Xb, double h, Mat<T>& M,
                Mat<T>& V) {
  using std::atan2;
  using std::sqrt;
  const Eigen::Index d = Xa.rows(), n = Xa.cols();
  M.resize(d, n);
  V.resize(d, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (rule == DiscreteRule::LeftEndpoint) {
      M.col(i) = Xa.col(i);
      if (!sphere::try_log_into(Xa.col(i), Xb.col(i), V.col(i))) return false;
      V.col(i) /= T(h);
      continue;
    }
    const T s2 = (Xa.col(i) + Xb.col(i)).squaredNorm();
    if (!(s2 > T(sphere::kCutLocusTolerance * sphere::kCutLocusTolerance))) return false;
    const T s = sqrt(s2);
    M.col(i) = (Xa.col(i) + Xb.col(i)) / s;
    const T c2 = (Xb.col(i) - Xa.col(i)).squaredNorm();
    T ratio;  // θ / c
    if (c2 < T(1e-8)) {
      ratio = T(1) + c2 / T(24) + T(3) * c2 * c2 / T(640);  // 2 asin(c/2)/c
    } else {
      const T c = sqrt(c2);
      ratio = T(2) * atan2(c, s) / c;
    }
    V.col(i) = (ratio / T(h)) * (Xb.col(i) - Xa.col(i));
  }
  return true;
}

/// L_d(X_a, X_b) = h·L(t*, M, V); false at the cut locus.
template <class L, class T>
bool step_value(const L& lagrangian, DiscreteRule rule, double t_a, double h, const Mat<T>& Xa,
                const Mat<T>& Xb, T& out) {
  Mat<T> M, V;
  if (!step_state(rule, Xa, Xb, h, M, V)) return false;
  out = T(h) * lagrangian(T(step_time(rule, t_a, h)), M, V);
  return true;
}

/// sqrt(h)·r(t*, M, V) for a least-squares Lagrangian; false at the cut locus.
template <class L, class T>
bool step_residuals(const L& lagrangian, DiscreteRule rule, double t_a, double h, const Mat<T>& Xa,
                    const Mat<T>& Xb, Vec<T>& r) {
  Mat<T> M, V;
  if (!step_state(rule, Xa, Xb, h, M, V)) return false;
  r.resize(lagrangian.residual_size(Xa.rows(), Xa.cols()));
  lagrangian.residuals(T(step_time(rule, t_a, h)), M, V, r);
  r *= T(std::sqrt(h));
  return true;
}

/// The state (m, v) of one token's step and its Jacobian (2d × 2d: rows (m, v), columns (x_a,
/// x_b)), by automatic differentiation of step_state; false at the cut locus. Compiled once.
bool step_state_jacobian(DiscreteRule rule, const Eigen::VectorXd& xa, const Eigen::VectorXd& xb,
                         double h, Eigen::VectorXd& m, Eigen::VectorXd& v,
                         Eigen::MatrixXd& jacobian);

/// Every token's step state (columns of M and V) and its step_state_jacobian; false at the cut
/// locus. Compiled once.
bool step_state_jacobians(DiscreteRule rule, const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                          double h, Eigen::MatrixXd& M, Eigen::MatrixXd& V,
                          std::vector<Eigen::MatrixXd>& local);

/// For a Lagrangian with closed-form residual Jacobians: the step residual sqrt(h)·r(t*, M, V) and
/// its Jacobians with respect to the step's end nodes, Ja = ∂/∂X_a and Jb = ∂/∂X_b (m × nd,
/// ambient, column i·d + c = ∂/∂x_{i,c}). The Lagrangian's ∂r/∂M, ∂r/∂V are chained with the
/// (2d × 2d) Jacobian of each token's (m_i, v_i) in (a_i, b_i). False at the cut locus.
template <AnalyticLeastSquaresLagrangian L>
bool step_residual_jacobians(const L& lagrangian, DiscreteRule rule, double t_a, double h,
                             const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                             Eigen::VectorXd& r, Eigen::MatrixXd& Ja, Eigen::MatrixXd& Jb) {
  const Eigen::Index d = Xa.rows(), n = Xa.cols();
  Eigen::MatrixXd M, V;
  std::vector<Eigen::MatrixXd> local;  // rows (m_i, v_i), columns (a_i, b_i)
  if (!step_state_jacobians(rule, Xa, Xb, h, M, V, local)) return false;
  Eigen::MatrixXd JM, JV;
  lagrangian.residual_jacobians(step_time(rule, t_a, h), M, V, r, JM, JV);
  const double root_h = std::sqrt(h);
  r *= root_h;
  Ja.resize(r.size(), n * d);
  Jb.resize(r.size(), n * d);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (int side = 0; side < 2; ++side) {
      Eigen::MatrixXd& target = side == 0 ? Ja : Jb;
      target.middleCols(i * d, d) =
          root_h * (JM.middleCols(i * d, d) * local[i].block(0, side * d, d, d) +
                    JV.middleCols(i * d, d) * local[i].block(d, side * d, d, d));
    }
  }
  return true;
}

/// The step residual sqrt(h)·r(t*, M, V) and its Jacobians in factored form
/// (factored_step_jacobian.hpp): S = √h ∂r/∂M, M_a, M_b from each token's step state, E from ∂r/∂V.
/// Dense when ∂r/∂V is not token-local; Undefined at the cut locus.
template <AnalyticLeastSquaresLagrangian L>
FactoredStep factored_step_residual_jacobians(const L& lagrangian, DiscreteRule rule, double t_a,
                                              double h, const Eigen::MatrixXd& Xa,
                                              const Eigen::MatrixXd& Xb, Eigen::VectorXd& r,
                                              FactoredStepJacobian& J) {
  Eigen::MatrixXd M, V;
  std::vector<Eigen::MatrixXd> local;
  if (!step_state_jacobians(rule, Xa, Xb, h, M, V, local)) return FactoredStep::Undefined;
  Eigen::MatrixXd JM, JV;
  lagrangian.residual_jacobians(step_time(rule, t_a, h), M, V, r, JM, JV);
  const double root_h = std::sqrt(h);
  r *= root_h;
  return factor_step_jacobian(root_h, std::move(JM), JV, local, J) ? FactoredStep::Ok
                                                                    : FactoredStep::Dense;
}

/// For a Lagrangian with closed-form residual Jacobians: the one-sided gradients ∇_{X_a} L_d and
/// ∇_{X_b} L_d (d×n, each where its pointer is not null) of L_d = ½|r̃|², as J_aᵀr̃ with
/// J_a = √h(∂r/∂M·M_a + ∂r/∂V·V_a) applied token by token (no m × nd Jacobian per node is formed).
/// False at the cut locus.
template <AnalyticLeastSquaresLagrangian L>
bool closed_form_step_gradients(const L& lagrangian, DiscreteRule rule, double t_a, double h,
                                const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                                Eigen::MatrixXd* grad_a, Eigen::MatrixXd* grad_b) {
  const Eigen::Index d = Xa.rows(), n = Xa.cols();
  Eigen::MatrixXd M, V;
  std::vector<Eigen::MatrixXd> local;
  if (!step_state_jacobians(rule, Xa, Xb, h, M, V, local)) return false;
  // r̃ = √h r and J̃ = √h J: J̃ᵀr̃ = h Jᵀr.
  Eigen::VectorXd u, w;
  if constexpr (GradientLeastSquaresLagrangian<L>) {
    Eigen::MatrixXd gM, gV;  // without the Jacobians: O(n²d) for attention
    lagrangian.residual_gradients(step_time(rule, t_a, h), M, V, gM, gV);
    u = h * Eigen::Map<const Eigen::VectorXd>(gM.data(), gM.size());
    w = h * Eigen::Map<const Eigen::VectorXd>(gV.data(), gV.size());
  } else {
    Eigen::VectorXd r;
    Eigen::MatrixXd JM, JV;
    lagrangian.residual_jacobians(step_time(rule, t_a, h), M, V, r, JM, JV);
    u = h * (JM.transpose() * r);
    w = h * (JV.transpose() * r);
  }
  for (int side = 0; side < 2; ++side) {
    Eigen::MatrixXd* out = side == 0 ? grad_a : grad_b;
    if (out == nullptr) continue;
    out->resize(d, n);
    for (Eigen::Index i = 0; i < n; ++i) {
      out->col(i) = local[i].block(0, side * d, d, d).transpose() * u.segment(i * d, d) +
                    local[i].block(d, side * d, d, d).transpose() * w.segment(i * d, d);
    }
  }
  return true;
}

}  // namespace varsphere
