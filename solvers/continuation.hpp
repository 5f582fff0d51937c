// Continuation of the BVP in a parameter (ε of L + εM, β, ...): the problems are solved in the
// given order, each started from the previous optimal path (docs/math.md §3.6) — as it is
// (WarmStart), or moved to first order along the sensitivity dX*/dp (Sensitivity, the tangent
// predictor of docs/math.md §3.9: X_k ← exp_{X_k}(Δp · dX_k*/dp), usually fewer iterations per
// step at the cost of one Hessian).
#pragma once

#include <varsphere/core/configuration.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/path_sensitivity.hpp>
#include <vector>

namespace varsphere {

enum class ContinuationPredictor {
  WarmStart,    ///< the previous optimal path
  Sensitivity,  ///< the previous optimal path moved along dX*/dp (falls back to WarmStart where
                ///< the Hessian is singular or the previous solve was not certified)
};

/// `make(p)` returns the Lagrangian for parameter value p.
template <class MakeLagrangian>
std::vector<BvpResult> continuation(const MakeLagrangian& make, const std::vector<double>& values,
                                    const Configuration& X_start, const Configuration& X_end,
                                    double T, int K, BvpOptions options = {},
                                    ContinuationPredictor predictor = ContinuationPredictor::WarmStart) {
  std::vector<BvpResult> results;
  for (std::size_t j = 0; j < values.size(); ++j) {
    results.push_back(solve_bvp(make(values[j]), X_start, X_end, T, K, options));
    Trajectory next = results.back().path;
    if (predictor == ContinuationPredictor::Sensitivity && j + 1 < values.size() && K >= 2 &&
        results.back().converged) {
      try {
        const auto dX = path_sensitivity(make, options.rule, values[j], next,
                                         SensitivityOptions{1e-4, options.threads});
        const double step = values[j + 1] - values[j];
        for (std::size_t k = 1; k + 1 < next.size(); ++k) {
          next.frames[k] = product::exp(next.frames[k], step * dX[k]);
        }
      } catch (const Error&) {
        next = results.back().path;  // a singular Hessian: no unique tangent, warm start
      }
    }
    options.initial_path = std::move(next);
  }
  return results;
}

}  // namespace varsphere
