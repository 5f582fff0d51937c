// One step of the discrete action of a SplitLeastSquaresLagrangian (functionals/lagrangian.hpp),
// L = ½|R r|² + dΦ/dt, written as a nearly zero-residual least-squares term (docs/math.md §3, the
// null Lagrangian). With the step residual r̃ = sqrt(h)·r(t*, M_k, V_k) (discrete_lagrangian.hpp,
// L_d = ½|r̃|²), the partner rows R r̃ and the defect
//     c_k = ½|r̃|² − ½|R r̃|² − (Φ(X_{k+1}) − Φ(X_k)),
// the discrete action is S_d = Σ_k ½|R r̃_k|² + Σ_k c_k + Φ(X_K) − Φ(X_0), where the last two
// terms are fixed by the boundary conditions and c_k is the quadrature error of ∫ dΦ/dt over the
// step, O(h³) on smooth paths. The split step residual
//     s_k = [R r̃_k ; sqrt(2 (c_k + C))],   ½|s_k|² = L_d(X_k, X_{k+1}) − ΔΦ_k + C,
// therefore has the same minimizers as S_d for any constant C > 0 with c_k + C > 0. Its
// Gauss–Newton matrix is the partner's, whose residual nearly vanishes at the solution, plus a
// rank-one term ∇c∇cᵀ/(2(c_k + C)); Gauss–Newton on it converges at a rate of order h² where on
// the unsplit residuals (the De Giorgi residuals do not vanish: |V|_g = |grad E|_g ≠ 0) it
// converges linearly with a rate independent of h.
#pragma once

#include <cmath>
#include <utility>
#include <varsphere/functionals/lagrangian.hpp>
#include <varsphere/solvers/discrete_lagrangian.hpp>

namespace varsphere {

namespace detail {
/// c = ½|r̃|² − ½|R r̃|² − (Φ(X_b) − Φ(X_a)) from the step residual r̃ and its partner rows R r̃.
template <SplitLeastSquaresLagrangian L>
double split_defect(const L& lagrangian, const Eigen::VectorXd& r, const Eigen::VectorXd& partner,
                    const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb) {
  return 0.5 * (r.squaredNorm() - partner.squaredNorm()) -
         (lagrangian.split_potential(Xb) - lagrangian.split_potential(Xa));
}
}  // namespace detail

/// The defect c_k of the step from X_a to X_b; false at the cut locus.
template <SplitLeastSquaresLagrangian L>
bool split_step_defect(const L& lagrangian, DiscreteRule rule, double t_a, double h,
                       const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb, double& defect) {
  Eigen::VectorXd r;
  if (!step_residuals(lagrangian, rule, t_a, h, Xa, Xb, r)) return false;
  defect = detail::split_defect(lagrangian, r, lagrangian.partner_rows(r), Xa, Xb);
  return true;
}

/// The split step residual s = [R r̃ ; sqrt(2(c + offset))] and, if Ja and Jb are given, its
/// Jacobians ∂s/∂X_a, ∂s/∂X_b (ambient, column i·d + c, as step_residual_jacobians). The last
/// row's gradient is ∇c / sqrt(2(c + offset)) with ∇_{X_a} c = J̃_aᵀ r̃ − (R J̃_a)ᵀ R r̃ + ∇Φ(X_a)
/// and ∇_{X_b} c = J̃_bᵀ r̃ − (R J̃_b)ᵀ R r̃ − ∇Φ(X_b). False at the cut locus or where
/// c + offset ≤ 0 (a trial point the solver must reject).
template <SplitLeastSquaresLagrangian L>
bool split_step_residuals(const L& lagrangian, DiscreteRule rule, double t_a, double h,
                          double offset, const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                          Eigen::VectorXd& s, Eigen::MatrixXd* Ja, Eigen::MatrixXd* Jb) {
  Eigen::VectorXd r;
  Eigen::MatrixXd full_a, full_b;
  if (Ja == nullptr) {
    if (!step_residuals(lagrangian, rule, t_a, h, Xa, Xb, r)) return false;
  } else if (!step_residual_jacobians(lagrangian, rule, t_a, h, Xa, Xb, r, full_a, full_b)) {
    return false;
  }
  const Eigen::VectorXd partner = lagrangian.partner_rows(r);
  const double shifted = detail::split_defect(lagrangian, r, partner, Xa, Xb) + offset;
  if (!(shifted > 0) || !std::isfinite(shifted)) return false;
  const Eigen::Index m = partner.size();
  const double root = std::sqrt(2 * shifted);
  s.resize(m + 1);
  s.head(m) = partner;
  s(m) = root;
  if (Ja == nullptr) return true;
  for (int side = 0; side < 2; ++side) {
    const Eigen::MatrixXd& full = side == 0 ? full_a : full_b;
    Eigen::MatrixXd& out = *(side == 0 ? Ja : Jb);
    const Eigen::MatrixXd reduced = lagrangian.partner_rows(full);
    const Eigen::MatrixXd grad_potential = lagrangian.split_potential_gradient(side == 0 ? Xa : Xb);
    Eigen::VectorXd grad_defect = full.transpose() * r - reduced.transpose() * partner;
    const Eigen::Map<const Eigen::VectorXd> flat(grad_potential.data(), grad_potential.size());
    if (side == 0) {
      grad_defect += flat;
    } else {
      grad_defect -= flat;
    }
    out.resize(m + 1, full.cols());
    out.topRows(m) = reduced;
    out.row(m) = grad_defect.transpose() / root;
  }
  return true;
}

/// The split step residual s = [R r̃ ; sqrt(2(c + offset))] with factored Jacobians
/// (factored_step_jacobian.hpp): S = √h R ∂r/∂M, E from R ∂r/∂V, and the defect row as the one
/// dense row, its gradient assembled from the same pieces as in split_step_residuals.
template <SplitLeastSquaresLagrangian L>
  requires AnalyticLeastSquaresLagrangian<L>
FactoredStep split_factored_step_residuals(const L& lagrangian, DiscreteRule rule, double t_a,
                                           double h, double offset, const Eigen::MatrixXd& Xa,
                                           const Eigen::MatrixXd& Xb, Eigen::VectorXd& s,
                                           FactoredStepJacobian& J) {
  const Eigen::Index d = Xa.rows(), n = Xa.cols();
  Eigen::MatrixXd M, V;
  std::vector<Eigen::MatrixXd> local;
  if (!step_state_jacobians(rule, Xa, Xb, h, M, V, local)) return FactoredStep::Undefined;
  Eigen::VectorXd r;
  Eigen::MatrixXd JM, JV;
  lagrangian.residual_jacobians(step_time(rule, t_a, h), M, V, r, JM, JV);
  const double root_h = std::sqrt(h);
  r *= root_h;
  const Eigen::VectorXd partner = lagrangian.partner_rows(r);
  const double shifted = detail::split_defect(lagrangian, r, partner, Xa, Xb) + offset;
  if (!(shifted > 0) || !std::isfinite(shifted)) return FactoredStep::Undefined;
  Eigen::MatrixXd RJM = lagrangian.partner_rows(JM);
  const Eigen::MatrixXd RJV = lagrangian.partner_rows(JV);
  const Eigen::Index m = partner.size();
  // ∇c = J̃ᵀr̃ − (RJ̃)ᵀRr̃ ± ∇Φ with J̃ = √h(JM·M_side + JV·V_side), token by token.
  const Eigen::VectorXd u = root_h * (JM.transpose() * r - RJM.transpose() * partner);
  const Eigen::VectorXd w = root_h * (JV.transpose() * r - RJV.transpose() * partner);
  // S = √h·R·JM (moved into J), zero on the defect row.
  if (!factor_step_jacobian(root_h, std::move(RJM), RJV, local, J)) return FactoredStep::Dense;
  const double root = std::sqrt(2 * shifted);
  s.resize(m + 1);
  s.head(m) = partner;
  s(m) = root;
  const Eigen::MatrixXd grad_a = lagrangian.split_potential_gradient(Xa);
  const Eigen::MatrixXd grad_b = lagrangian.split_potential_gradient(Xb);
  J.dense_rows = {m};
  J.Za.resize(1, n * d);
  J.Zb.resize(1, n * d);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto ui = u.segment(i * d, d), wi = w.segment(i * d, d);
    J.Za.middleCols(i * d, d) = (local[i].block(0, 0, d, d).transpose() * ui +
                                 local[i].block(d, 0, d, d).transpose() * wi + grad_a.col(i))
                                    .transpose() / root;
    J.Zb.middleCols(i * d, d) = (local[i].block(0, d, d, d).transpose() * ui +
                                 local[i].block(d, d, d, d).transpose() * wi - grad_b.col(i))
                                    .transpose() / root;
  }
  return FactoredStep::Ok;
}

}  // namespace varsphere
