// checkEL (docs/math.md §3.5): the projected Euler–Lagrange residual of a Lagrangian along a given
// trajectory on a uniform time grid (e.g. from `varsphere flow`):
//     r(t_k) = max_i | P_{x_i} [ ∂_x L − d/dt ∂_v L ]_i |.
// Velocities are fourth-order central differences of the positions (projected onto the tangent
// spaces), ∂_x L and ∂_v L come from the closed-form residual Jacobians where the Lagrangian has
// them and from automatic differentiation otherwise (LagrangianStepModel), and d/dt ∂_v L is again
// a fourth-order central difference; the residual is reported on frames 4..m−5 where both stencils
// fit (at least 9 frames are needed). Its error is O(Δt⁴).
#pragma once

#include <varsphere/core/trajectory.hpp>
#include <varsphere/solvers/lagrangian_step_model.hpp>
#include <varsphere/solvers/step_model.hpp>
#include <vector>

namespace varsphere {

struct CheckElResult {
  std::vector<double> times;      ///< frames where the residual is defined
  std::vector<double> residuals;  ///< max over tokens at each of those times
  double max_residual = 0.0;
  double time_of_max = 0.0;
};

/// checkEL on the Lagrangian behind a step model (its rule plays no part). Throws InvalidInput for
/// fewer than 9 frames or non-uniform times.
CheckElResult check_el(const StepModel& model, const Trajectory& traj);

template <Lagrangian L>
CheckElResult check_el(const L& lagrangian, const Trajectory& traj) {
  return check_el(LagrangianStepModel<L>(lagrangian, DiscreteRule::Midpoint), traj);
}

}  // namespace varsphere
