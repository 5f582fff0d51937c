// Continuation of the BVP in a parameter (ε of L + εM, β, ...): the problems are solved in the
// given order, each warm-started from the previous optimal path (docs/math.md §3, "ε-perturbed
// Lagrangians ... with continuation").
#pragma once

#include <varsphere/core/configuration.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <vector>

namespace varsphere {

/// `make(p)` returns the Lagrangian for parameter value p.
template <class MakeLagrangian>
std::vector<BvpResult> continuation(const MakeLagrangian& make, const std::vector<double>& values,
                                    const Configuration& X_start, const Configuration& X_end,
                                    double T, int K, BvpOptions options = {}) {
  std::vector<BvpResult> results;
  for (double p : values) {
    results.push_back(solve_bvp(make(p), X_start, X_end, T, K, options));
    options.initial_path = results.back().path;
  }
  return results;
}

}  // namespace varsphere
