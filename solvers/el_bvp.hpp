// The discrete Euler–Lagrange boundary-value problem on (S^{d-1})^n solved with Ceres
// (docs/math.md §3.3):
//
//   solve_bvp(L, X_start, X_end, T, K, options) -> BvpResult
//
// Nodes X_0..X_K at t_k = kT/K with X_0 = X_start and X_K = X_end fixed; updates move every
// token along a geodesic, so the path stays on the sphere.
//  * Least-squares Lagrangians (L = ½|r|²): Levenberg–Marquardt on the step residuals
//    sqrt(h)·r(t*, M_k, V_k) with whole nodes as unknowns (path_least_squares.hpp): the normal
//    equations are block-tridiagonal with dense blocks of size n(d−1), solved by a threaded block
//    Cholesky (docs/math.md §3.7); the result minimizes the discrete action.
//  * Any other Lagrangian: Levenberg–Marquardt in Ceres on the DEL residuals themselves (one
//    parameter block per token on CeresSphereManifold; gradient terms by automatic
//    differentiation, their Jacobian by central differences), which finds stationary paths
//    whether or not they minimize.
// The result certifies itself: the DEL residual is recomputed from the returned path and a solve
// is `BvpOutcome::Certified` only if Ceres converged AND that residual is below the tolerance.
//
// The solver is compiled once in the library on a StepModel (step_model.hpp); `solve_bvp<L>`
// only builds the LagrangianStepModel adapter.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/solvers/lagrangian_step_model.hpp>
#include <varsphere/solvers/second_order_certificate.hpp>
#include <varsphere/solvers/step_model.hpp>

namespace varsphere {

enum class BvpMethod {
  Automatic,     ///< least squares when the Lagrangian is a sum of squares, else DEL equations
  LeastSquares,  ///< minimize ½Σ|step residuals|² (requires a least-squares Lagrangian)
  DelEquations,  ///< solve the discrete Euler–Lagrange equations (residuals → 0)
};

/// "least-squares", "del-equations" (and "automatic").
std::string to_string(BvpMethod method);

/// How a solve ended.
enum class BvpOutcome {
  Certified,                  ///< Ceres converged and the DEL residual is within tolerance
  NotConverged,               ///< Ceres stopped without converging (iteration limit, ...)
  DelResidualAboveTolerance,  ///< Ceres converged but the DEL residual exceeds the tolerance
  SolverFailed,               ///< Ceres failed (the residuals could not be evaluated)
};

/// "certified", "not-converged", "del-residual-above-tolerance", "solver-failed".
std::string to_string(BvpOutcome outcome);

/// The state of a solve after one iteration.
struct BvpIteration {
  int iteration = 0;   ///< iterations so far, all attempts together
  double cost = 0;     ///< the solver's cost (the discrete action up to a constant for least squares)
  /// max |DEL residual| as the solver sees it: |gradient|_∞/h for least squares (a lower bound
  /// on the max token norm), sqrt(2·cost) for the DEL equations (an upper bound).
  double del_estimate = 0;
  double seconds = 0;  ///< since the solve started
};

struct BvpOptions {
  DiscreteRule rule = DiscreteRule::Midpoint;
  BvpMethod method = BvpMethod::Automatic;
  /// Initial path with K+1 frames whose ends equal X_start and X_end; default: the geodesic
  /// interpolation X_k = γ(k/K) (undefined, and reported, for antipodal endpoint tokens).
  std::optional<Trajectory> initial_path;
  int max_iterations = 200;
  /// Time budget of the solve in seconds (0: none): Ceres stops when it is spent and the result
  /// is NotConverged, with the budget named in its status.
  double max_seconds = 0;
  /// Levenberg–Marquardt starts with the damping μ = 1/radius (relative to diag JᵀJ). The
  /// smoothest modes of a path with K steps have eigenvalues ~ π²/K² of that diagonal, so Ceres'
  /// default 1e4 damps them away at large K; starting nearly undamped lets the first steps be
  /// Gauss–Newton steps (a bad one is rejected and the damping raised).
  double initial_trust_region_radius = 1e8;
  double function_tolerance = 1e-15;
  double gradient_tolerance = 1e-16;
  double parameter_tolerance = 1e-15;
  /// Certified requires the final DEL residual (per unit time, see discrete_action.hpp) to be at
  /// most del_tolerance · max(1, scale), scale being the size of the terms that cancel in it.
  /// Levenberg–Marquardt reliably reaches ~1e-8 relative (see polish_steps); for a certificate at
  /// rounding level solve again with method = DelEquations and initial_path = this result's path
  /// (Newton on the DEL equations: ~1e-14, at a higher cost per iteration).
  double del_tolerance = 1e-7;
  /// Least squares only: Gauss–Newton steps after Levenberg–Marquardt, each kept only if it lowers
  /// the DEL residual. LM judges steps by the change of the cost, which at a minimum with a large
  /// cost (the De Giorgi action is the energy gain) is lost in rounding near a DEL residual of
  /// ~1e-8; Gauss–Newton steps need no such comparison and reach ~1e-12.
  int polish_steps = 5;
  int threads = 1;
  /// Least squares: factor the normal equations in float32 and refine to the double solution when
  /// a node has at least 256 unknowns (docs/math.md §3.7); false: always in double.
  bool single_precision_factor = true;
  bool verbose = false;
  /// Called after every solver iteration (progress lines, Ctrl-C): returning false stops the solve
  /// after that iteration; the result then holds the current path as NotConverged, "interrupted".
  std::function<bool(const BvpIteration&)> on_iteration;
  /// Use a Lagrangian's closed-form residual Jacobians when it has them (kinetic, De Giorgi,
  /// flow matching with an attention field); false forces automatic differentiation.
  bool analytic_jacobians = true;
  /// For a Lagrangian that splits into a least-squares partner plus a null Lagrangian
  /// (SplitLeastSquaresLagrangian, e.g. De Giorgi = flow matching + dE/dt), minimize the same
  /// discrete action through the partner's nearly zero residuals (split_step.hpp): Gauss–Newton
  /// then converges in a few iterations instead of linearly. Falls back to the Lagrangian's own
  /// residuals if the split solve does not converge.
  bool null_lagrangian_split = true;
  /// After a Certified solve, the second-order certificate of the path (docs/math.md §3.8):
  /// Morse index and smallest Hessian eigenvalues (options.threads is used, its own `threads`
  /// ignored). Empty: skip it.
  std::optional<SecondOrderOptions> second_order = SecondOrderOptions{};
};

struct BvpResult {
  Trajectory path;                ///< K+1 nodes at t_k = kT/K
  double action = 0.0;            ///< discrete action S_d
  double del_residual_max = 0;    ///< max_k,i |P ∇_{x_k,i} S_d| / h
  double del_residual_scale = 0;  ///< size of the one-sided terms that cancel in it
  int iterations = 0;
  BvpOutcome outcome = BvpOutcome::NotConverged;
  bool converged = false;                      ///< outcome == Certified
  std::string status;                          ///< what happened, in one line
  BvpMethod method = BvpMethod::LeastSquares;  ///< LeastSquares or DelEquations, as used
  bool null_lagrangian_split = false;          ///< the split solve gave the result
  /// Strict local minimum, saddle or degenerate (Certified solves with options.second_order).
  std::optional<SecondOrderCertificate> second_order;
  double wall_seconds = 0.0;
};

/// The method as the CLI reports it: "least-squares", "least-squares (null-Lagrangian split)" or
/// "del-equations".
std::string method_label(const BvpResult& result);

/// The compiled solver on a step model (options.rule and options.analytic_jacobians are ignored:
/// the model carries its rule and its way of differentiating).
/// Throws InvalidInput for bad endpoints, T, K or initial path, CutLocusError for antipodal
/// endpoints with the geodesic initial path.
BvpResult solve_bvp(const StepModel& model, const Configuration& X_start,
                    const Configuration& X_end, double T, int K, const BvpOptions& options = {});

template <Lagrangian L>
BvpResult solve_bvp(const L& lagrangian, const Configuration& X_start, const Configuration& X_end,
                    double T, int K, const BvpOptions& options = {}) {
  return solve_bvp(LagrangianStepModel<L>(lagrangian, options.rule, options.analytic_jacobians),
                   X_start, X_end, T, K, options);
}

}  // namespace varsphere
