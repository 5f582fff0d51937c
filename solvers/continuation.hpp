// Continuation of the BVP in a parameter (ε of L + εM, β, T, ...): the problems are solved in the
// given order, each started from the previous optimal path (docs/math.md §3.6) — as it is
// (WarmStart), or moved to first order along the sensitivity dX*/dp (Sensitivity, the tangent
// predictor of docs/math.md §3.9: X_k ← exp_{X_k}(Δp · dX_k*/dp), usually fewer iterations per
// step at the cost of one Hessian).
//
// Compiled once on an ActionFamily (path_sensitivity.hpp: p ↦ step model and horizon); the
// template adapts `make(p)`, a Lagrangian for each p.
#pragma once

#include <string>
#include <vector>
#include <varsphere/core/configuration.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/path_sensitivity.hpp>

namespace varsphere {

enum class ContinuationPredictor {
  WarmStart,    ///< the previous optimal path
  Sensitivity,  ///< the previous optimal path moved along dX*/dp (falls back to WarmStart where
                ///< the Hessian is singular or the previous solve was not certified)
};

/// "warm-start", "sensitivity"; parse throws InvalidInput otherwise.
std::string to_string(ContinuationPredictor predictor);
ContinuationPredictor parse_continuation_predictor(const std::string& name);

/// The problems family(p) for p in `values`, in order (options.initial_path starts the first).
/// The horizon may change with p (family(p).T): the predictor then moves the nodes k = 0..K.
std::vector<BvpResult> continuation(const ActionFamily& family, const std::vector<double>& values,
                                    const Configuration& X_start, const Configuration& X_end,
                                    int K, BvpOptions options = {},
                                    ContinuationPredictor predictor = ContinuationPredictor::WarmStart);

/// `make(p)` returns the Lagrangian for parameter value p; T is fixed.
template <class MakeLagrangian>
std::vector<BvpResult> continuation(const MakeLagrangian& make, const std::vector<double>& values,
                                    const Configuration& X_start, const Configuration& X_end,
                                    double T, int K, BvpOptions options = {},
                                    ContinuationPredictor predictor = ContinuationPredictor::WarmStart) {
  const DiscreteRule rule = options.rule;
  const bool closed = options.analytic_jacobians;
  return continuation(
      [&](double p) { return ParametrizedAction{owned_step_model(make(p), rule, closed), T}; },
      values, X_start, X_end, K, std::move(options), predictor);
}

}  // namespace varsphere
