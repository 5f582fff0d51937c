// The discrete action S_d = Σ_k L_d(X_k, X_{k+1}) of a path on a uniform grid and its discrete
// Euler–Lagrange (DEL) residual (docs/math.md §3.2): at every interior node k and token i,
//     P_{x_{k,i}} [ ∂_2 L_d(X_{k−1}, X_k) + ∂_1 L_d(X_k, X_{k+1}) ]_i = P ∇_{x_{k,i}} S_d,
// reported divided by h so that it is comparable to the continuous residual
// |P[∂_x L − d/dt ∂_v L]| (L_d is h times L).
//
// Computed once in the library on a StepModel; the templates below adapt a Lagrangian.
#pragma once

#include <utility>
#include <vector>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/solvers/lagrangian_step_model.hpp>
#include <varsphere/solvers/step_model.hpp>

namespace varsphere {

/// Grid spacing of a path with uniform times; throws InvalidInput otherwise.
double uniform_spacing(const Trajectory& path);

struct DelResidual {
  double max = 0.0;    ///< max_k,i |P ∇_{x_k,i} S_d| / h
  double scale = 0.0;  ///< max_k,i of |P ∇| / h of each one-sided term: what cancels in `max`
};

/// S_d of the path; throws CutLocusError if a step joins antipodal tokens.
double discrete_action(const StepModel& model, const Trajectory& path);

/// The two one-sided gradients ∇_{X_k} L_d(X_{k−1}, X_k) and ∇_{X_k} L_d(X_k, X_{k+1}) (d×n each,
/// ambient) at an interior node k; their sum is the DEL residual before projection. Throws
/// CutLocusError at the cut locus.
std::pair<Eigen::MatrixXd, Eigen::MatrixXd> node_action_gradients(const StepModel& model,
                                                                  double t_prev, double h,
                                                                  const Eigen::MatrixXd& X_prev,
                                                                  const Eigen::MatrixXd& X,
                                                                  const Eigen::MatrixXd& X_next);

/// Both one-sided gradients of every step of a path (ambient, d×n): outgoing[k] = ∇_{X_k} L_d(X_k,
/// X_{k+1}) for k ≥ 1 and incoming[k] = ∇_{X_{k+1}} L_d(X_k, X_{k+1}) for k + 1 < K (the ones at the
/// fixed ends are left empty). Steps in parallel on `threads`; throws CutLocusError at the cut
/// locus.
struct PathStepGradients {
  std::vector<Eigen::MatrixXd> outgoing, incoming;
};
PathStepGradients path_step_gradients(const StepModel& model, const Trajectory& path, int threads = 1);

/// The DEL residual of a path and its scale (0 for K = 1). A solution has max ≪ scale; the
/// ratio measures how completely the two terms cancel. Steps are evaluated on `threads` threads
/// (the result does not depend on it).
DelResidual del_residual(const StepModel& model, const Trajectory& path, int threads = 1);

template <Lagrangian L>
double discrete_action(const L& lagrangian, DiscreteRule rule, const Trajectory& path) {
  return discrete_action(LagrangianStepModel<L>(lagrangian, rule), path);
}

template <Lagrangian L>
DelResidual del_residual(const L& lagrangian, DiscreteRule rule, const Trajectory& path) {
  return del_residual(LagrangianStepModel<L>(lagrangian, rule), path);
}

/// max over interior nodes and tokens of |P_{x_{k,i}} ∇_{x_{k,i}} S_d| / h (0 for K = 1).
template <Lagrangian L>
double del_residual_max(const L& lagrangian, DiscreteRule rule, const Trajectory& path) {
  return del_residual(lagrangian, rule, path).max;
}

}  // namespace varsphere
