// The inverse problem: which attention flow explains observed token paths (docs/math.md §7).
//
//   fit_attention(paths, family, options) -> AttentionFit
//
// Fits θ of an AttentionFamily (attention_family.hpp) to one or several observed trajectories
// (frames X_k at strictly increasing, possibly irregular times t_k; every trajectory the same d,
// any number of tokens and frames ≥ 2) by Levenberg–Marquardt in Ceres with closed-form Jacobians:
//  * PathOptimality — the discrete flow-matching action of the observed path,
//        ½ Σ_k h_k |V_k − F_θ(t_k + h_k/2, M_k)|²,
//    (M_k, V_k) the midpoint and midpoint velocity of the geodesic step (discrete_lagrangian.hpp):
//    zero exactly when the path is a discrete flow of F_θ, O(h²) for a path of the flow.
//  * TrajectoryMatching — ½ Σ_k |Φ_θ(t_k; X_0) − X_k|² (chordal distance 2 sin(θ/2)), Φ_θ the
//    classical RK4 flow with steps ≤ max_step between observations, differentiated exactly by
//    forward sensitivities of the RK4 steps. It starts from the PathOptimality fit, over growing
//    time windows (¼, ½, all of each trajectory), so the identity start does not stall.
// After the solve the low-rank gauge is fixed (balanced factors of each A = QᵀK, constant and
// piecewise families); then the Jacobian's singular values, its numerical null space (flat directions
// beyond the family's gauge make the fit Unidentifiable: the data cannot determine them), standard
// errors σ²·diag((JᵀJ)⁺), σ² = 2·cost/(m − p), the flat directions left out, R² of the observed velocities and
// the velocity mismatch of every step.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/solvers/attention_family.hpp>

namespace varsphere {

enum class FitLoss { PathOptimality, TrajectoryMatching };
/// "path-optimality", "trajectory-matching"; parse throws InvalidInput otherwise.
std::string to_string(FitLoss loss);
FitLoss parse_fit_loss(const std::string& name);

/// How a fit ended.
enum class FitOutcome {
  Converged,       ///< Ceres converged and the data determine every parameter but the gauge
  NotConverged,    ///< iteration limit or no progress
  Unidentifiable,  ///< converged, but the Jacobian has flat directions beyond the gauge
};
/// "converged", "not-converged", "unidentifiable".
std::string to_string(FitOutcome outcome);

struct FitOptions {
  FitLoss loss = FitLoss::PathOptimality;
  int max_iterations = 200;
  int threads = 1;
  /// Starts: the identity (A_h = I, V_h = I; nudged by 0.05·N(0,1) for several heads, 1e-3 for low
  /// rank, off their symmetric points) and starts − 1 more, the identity plus
  /// start_jitter·N(0, 1) from `seed`; the lowest cost wins. Ignored when `initial` is given.
  int starts = 1;
  double start_jitter = 0.3;
  std::uint64_t seed = 1;
  std::optional<Eigen::VectorXd> initial;
  double max_step = 0.05;        ///< TrajectoryMatching: the largest RK4 step
  bool time_windows = true;      ///< TrajectoryMatching: fit ¼, ½, then all of each trajectory
  double null_tolerance = 1e-7;  ///< singular values below this × the largest count as zero
  bool standard_errors = true;   ///< σ²·diag((JᵀJ)⁺) (where singular_values are computed)
};

struct AttentionFit {
  AttentionFamily family;
  Eigen::VectorXd theta;
  FitLoss loss = FitLoss::PathOptimality;
  FitOutcome outcome = FitOutcome::NotConverged;
  std::string status;
  double cost = 0;            ///< the loss at θ, ½Σ|r|²
  double path_cost = 0;       ///< the PathOptimality loss at θ (whatever the loss fitted)
  double r_squared = 0;       ///< 1 − Σ h_k|V_k − F_θ|² / Σ h_k|V_k|²: velocities explained
  Eigen::Index residuals = 0; ///< m, the number of residuals of the fitted loss
  /// Per trajectory, per step: |V_k − F_θ(t*, M_k)| (the velocity mismatch).
  std::vector<Eigen::VectorXd> step_residuals;
  /// Of the Jacobian at θ, descending: computed up to 4000 parameters, and for piecewise families
  /// with blocks up to 4000 (JᵀJ is then block-diagonal); empty otherwise (no identifiability check).
  Eigen::VectorXd singular_values;
  Eigen::MatrixXd null_space;       ///< P × k: the flat directions (gauge included)
  Eigen::Index gauge_dimension = 0; ///< flat directions the family has whatever the data
  Eigen::VectorXd standard_errors;  ///< of θ (empty when not computed); NaN along flat directions
  std::vector<double> start_costs;  ///< final cost of every start
  int iterations = 0;
  double seconds = 0;
};

/// A family by the names the CLI and Python use (model "sa" | "usa", the parse_* names of
/// attention_family.hpp), with d and the time range [t0, t1] of the observed paths. Throws
/// InvalidInput for an unknown name or an invalid family.
struct AttentionFamilyNames {
  std::string model = "sa", score = "full", value = "full", time = "constant";
  int heads = 1, rank = 1, blocks = 1;
  std::string mask = "none";  ///< "none", "causal", "strict-causal"
  double alibi = 0;           ///< λ ≥ 0 of the ALiBi bias
};
AttentionFamily attention_family_for(const std::vector<Trajectory>& paths,
                                     const AttentionFamilyNames& names);

/// Validates the observed paths: at least one, each ≥ 2 frames, times finite and strictly
/// increasing, every frame on the sphere, one d for all. Throws InvalidInput naming the problem.
void validate_observed_paths(const std::vector<Trajectory>& paths);

AttentionFit fit_attention(const std::vector<Trajectory>& paths, AttentionFamily family,
                           const FitOptions& options = {});

/// The PathOptimality loss of θ and its R² on some paths (e.g. held out).
struct VelocityFit {
  double cost = 0, r_squared = 0;
  std::vector<Eigen::VectorXd> step_residuals;
};
VelocityFit velocity_fit(const std::vector<Trajectory>& paths, const AttentionFamily& family,
                         const Eigen::VectorXd& theta);

/// The residuals of a loss at θ (PathOptimality: √h_k (V_k − F_θ) for every step of every path;
/// TrajectoryMatching: Φ_θ(t_k; X_0) − X_k for every later frame) and, when `jacobian` is not null,
/// their derivative with respect to θ (m × P): what the fit minimizes, for checks and for users'
/// own optimizers.
Eigen::VectorXd fit_residuals(const std::vector<Trajectory>& paths, const AttentionFamily& family,
                              const Eigen::VectorXd& theta, FitLoss loss, double max_step = 0.05,
                              Eigen::MatrixXd* jacobian = nullptr);

/// Φ_θ from the frame `from` of each path to its later frames (RK4, steps ≤ max_step).
std::vector<Trajectory> predict_paths(const std::vector<Trajectory>& paths,
                                      const AttentionFamily& family, const Eigen::VectorXd& theta,
                                      double max_step, std::size_t from = 0);

/// Prediction error: the RMS over the later frames of the per-token RMS geodesic distance
/// between Φ_θ(t_k; X_from) and X_k; +∞ if the predicted flow blows up.
double prediction_error(const std::vector<Trajectory>& paths, const AttentionFamily& family,
                        const Eigen::VectorXd& theta, double max_step, std::size_t from = 0);

}  // namespace varsphere
