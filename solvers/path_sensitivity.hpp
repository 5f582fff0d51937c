// How an optimal path moves with a parameter of its problem (docs/math.md §3.9). At a stationary
// path X*(θ) whose Hessian H is nonsingular the implicit function theorem gives
//     H · dX*/dθ = −∂_θ grad S_d(X*; θ),
// both sides in the tangent coordinates of action_hessian.hpp. θ may be anything the discrete
// action depends on: β or an entry of A or V of an attention field, ε of L + εM, the horizon T
// (through h = T/K, the nodes being indexed by k). ∂_θ grad S_d is a central difference of the
// action gradient at the fixed path; H is action_hessian's, solved by a block LDLᵀ (saddles
// included). The result is the tangent vector dX_k*/dθ at every node (zero at the fixed ends).
#pragma once

#include <Eigen/Core>
#include <functional>
#include <memory>
#include <utility>
#include <vector>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/solvers/lagrangian_step_model.hpp>
#include <varsphere/solvers/step_model.hpp>

namespace varsphere {

/// The discrete action at one value of the parameter: its step model and horizon T.
struct ParametrizedAction {
  std::shared_ptr<const StepModel> model;
  double T = 0;
};

/// θ ↦ the discrete action at θ.
using ActionFamily = std::function<ParametrizedAction(double theta)>;

struct SensitivityOptions {
  /// The difference step in θ is parameter_step · max(1, |θ|).
  double parameter_step = 1e-4;
  int threads = 1;
};

/// dX_k*/dθ (d×n, tangent at X_k*) for k = 0..K, at the stationary `path` of family(theta).
/// Throws InvalidInput for K < 2, non-uniform times or a path whose horizon differs from
/// family(theta).T, Error if the Hessian is singular (no unique continuation).
std::vector<Eigen::MatrixXd> path_sensitivity(const ActionFamily& family, double theta,
                                              const Trajectory& path,
                                              const SensitivityOptions& options = {});

/// The step model of the Lagrangian `lagrangian`, owning it (for an ActionFamily); closed_forms as
/// in LagrangianStepModel.
template <Lagrangian L>
std::shared_ptr<const StepModel> owned_step_model(L lagrangian, DiscreteRule rule,
                                                  bool closed_forms = true) {
  struct Owned {
    L lagrangian;
    LagrangianStepModel<L> model;
    Owned(L l, DiscreteRule r, bool c) : lagrangian(std::move(l)), model(lagrangian, r, c) {}
  };
  auto owner = std::make_shared<const Owned>(std::move(lagrangian), rule, closed_forms);
  return std::shared_ptr<const StepModel>(owner, &owner->model);
}

/// dX*/dθ for a family of Lagrangians: make(θ) returns a Lagrangian, T is fixed.
template <class MakeLagrangian>
std::vector<Eigen::MatrixXd> path_sensitivity(const MakeLagrangian& make, DiscreteRule rule,
                                              double theta, const Trajectory& path,
                                              const SensitivityOptions& options = {}) {
  const double T = path.times.back() - path.times.front();
  return path_sensitivity(
      [&](double p) { return ParametrizedAction{owned_step_model(make(p), rule), T}; }, theta,
      path, options);
}

/// dX*/dT of a Lagrangian's optimal path with its horizon T (the nodes k = 0..K kept, h = T/K).
template <Lagrangian L>
std::vector<Eigen::MatrixXd> horizon_sensitivity(const L& lagrangian, DiscreteRule rule,
                                                 const Trajectory& path,
                                                 const SensitivityOptions& options = {}) {
  auto model = std::make_shared<const LagrangianStepModel<L>>(lagrangian, rule);
  return path_sensitivity([&](double T) { return ParametrizedAction{model, T}; },
                          path.times.back() - path.times.front(), path, options);
}

}  // namespace varsphere
