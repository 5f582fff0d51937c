// Levenberg–Marquardt for least-squares path problems on (S^{d-1})^n with whole nodes as unknowns
// (docs/math.md §3.7): minimize
//     ½ Σ_{k=0}^{K−1} |s_k(X_k, X_{k+1})|²
// over the interior nodes X_1..X_{K−1} of a path whose ends X_0, X_K are fixed. A step residual
// couples only neighbouring nodes, so the Gauss–Newton matrix JᵀJ is block-tridiagonal with dense
// blocks of size N = n(d−1) (every token of a node may couple with every token of the next): it is
// assembled step by step in tangent coordinates, from factored Jacobians when the residual has
// them (one product SᵀS per step, factored_step_jacobian.hpp) and from dense ones otherwise, (the orthonormal basis B(x) of
// manifolds/sphere.hpp for each token; a step δ moves token x to exp_x(B(x)δ)) and solved by
// BlockTridiagonalSystem. Ceres' sparse normal Cholesky would treat the same matrix as n² sparse
// blocks per node pair; here it costs (7/3)N³ per node and a product (2N)²·m per step.
//
// Steps are evaluated in two passes (even steps, then odd steps), each in parallel: no two steps of
// one pass share a node, so each block is summed in a fixed order and the result does not depend
// on the number of threads, bit for bit.
//
// The damping follows Ceres' Levenberg–Marquardt (Nielsen's rule, diag(JᵀJ) clamped to
// [1e-6, 1e32]); convergence is declared, as in Ceres, when the relative decrease of the cost falls
// below function_tolerance, the largest gradient entry below gradient_tolerance, or the step below
// parameter_tolerance (relative to the path's norm).
#pragma once

#include <Eigen/Core>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <varsphere/solvers/factored_step_jacobian.hpp>
#include <vector>

namespace varsphere {

/// The residual s_k of step k from X_a = X_k to X_b = X_{k+1} (d×n) and, when Ja and Jb are not
/// null, its ambient Jacobians ∂s/∂X_a and ∂s/∂X_b (m × nd, column i·d + c). False where the
/// residual is undefined (the step is rejected). Called concurrently for different steps.
using PathStepResidual =
    std::function<bool(int k, const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                       Eigen::VectorXd& s, Eigen::MatrixXd* Ja, Eigen::MatrixXd* Jb)>;

/// Optionally, the same residual with factored Jacobians (factored_step_jacobian.hpp): Ok, Undefined
/// (the step is rejected), or Dense (use PathStepResidual for this step).
using PathFactoredStepResidual =
    std::function<FactoredStep(int k, const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                               Eigen::VectorXd& s, FactoredStepJacobian& J)>;

/// What the solver reports after every iteration.
struct PathIteration {
  int iteration = 0;            ///< iterations so far (accepted or not)
  double cost = 0;              ///< ½Σ|s_k|² at the current path
  double gradient_max = 0;      ///< max |Jᵀs| in tangent coordinates
  bool step_accepted = false;
  double seconds = 0;           ///< since minimize() started
};

/// How a minimization ended.
enum class PathSolveEnd {
  Converged,       ///< a tolerance was met
  IterationLimit,  ///< max_iterations used up
  TimeLimit,       ///< the deadline passed
  Stopped,         ///< on_iteration asked to stop (e.g. Ctrl-C)
  Failed,          ///< the residuals are undefined at the start, or the damping ran away
};

struct PathLeastSquaresOptions {
  int max_iterations = 200;
  /// Stop (TimeLimit) once this point in time has passed; none if empty.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  double initial_trust_region_radius = 1e8;  ///< the damping starts at λ = 1/radius
  double function_tolerance = 1e-15;
  double gradient_tolerance = 1e-16;
  double parameter_tolerance = 1e-15;
  int threads = 1;
  /// Factor the damped normal equations in float32 and refine to the double solution
  /// (BlockTridiagonalSystem, FactorPrecision::Single) when a node has at least 256 unknowns, where
  /// it halves the factor's time; smaller blocks, and systems float32 cannot refine, use double.
  bool single_precision_factor = true;
  /// Called after every iteration; returning false stops the solve (PathSolveEnd::Stopped) with
  /// the best path so far (the current one: a rejected step never replaces it).
  std::function<bool(const PathIteration&)> on_iteration;
};

struct PathSolveSummary {
  PathSolveEnd end = PathSolveEnd::Failed;
  int iterations = 0;
  double initial_cost = 0;
  double final_cost = 0;
  std::string message;
};

class PathLeastSquares {
 public:
  /// `path` holds the K+1 nodes (d×n, unit columns); nodes 0 and K stay fixed. `residual_size` is
  /// the length m of every step residual. The path is updated in place by minimize() and
  /// gauss_newton_step().
  PathLeastSquares(std::vector<Eigen::MatrixXd>& path, Eigen::Index residual_size,
                   PathStepResidual step, int threads, PathFactoredStepResidual factored = {});
  ~PathLeastSquares();
  PathLeastSquares(const PathLeastSquares&) = delete;
  PathLeastSquares& operator=(const PathLeastSquares&) = delete;

  /// Levenberg–Marquardt from the current path.
  PathSolveSummary minimize(const PathLeastSquaresOptions& options);

  /// One undamped Gauss–Newton step from the current path (polishing). False, with the path
  /// unchanged, if the residuals are undefined or JᵀJ is not positive definite.
  bool gauss_newton_step();

  /// Bytes the solver allocates for a problem of this shape (memory checks before solving).
  static double bytes(int K, Eigen::Index d, Eigen::Index n, Eigen::Index residual_size,
                      int threads);

 private:
  struct Linearization;
  struct Workspace;
  bool linearize(Linearization& lin);
  void add_factored_step(int k, Workspace& w, Linearization& lin) const;
  bool cost_at(const std::vector<Eigen::MatrixXd>& path, double& cost) const;
  std::vector<Eigen::MatrixXd> moved(const Eigen::VectorXd& delta) const;

  std::vector<Eigen::MatrixXd>& path_;
  Eigen::Index m_;
  PathStepResidual step_;
  PathFactoredStepResidual factored_;
  int threads_;
  std::unique_ptr<Workspace[]> workspaces_;  // one per thread
};

/// "converged", "iteration-limit", "time-limit", "stopped", "failed".
std::string to_string(PathSolveEnd end);

}  // namespace varsphere
