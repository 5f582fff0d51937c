// The second-order certificate of a stationary discrete path (docs/math.md §3.8): is it a strict
// local minimizer of the discrete action, a saddle, or degenerate?
//
// The Riemannian Hessian H of S_d at the interior nodes (action_hessian.hpp) is block-tridiagonal.
//  * Morse index = the number of eigenvalues below −δ, counted exactly by Sylvester's law of
//    inertia on a block LDLᵀ (BlockTridiagonalSystem::count_below); the near-zero eigenvalues are
//    those in [−δ, δ], δ = zero_tolerance · ‖H‖ (‖H‖ bounded by Gershgorin's row sums).
//  * The smallest eigenvalues: a shift σ < λ_min is found by Cholesky factorizations of H − σI
//    (one succeeds at σ = −δ for a minimizer; its success alone certifies that no eigenvalue lies
//    below −δ), then block Krylov iteration with Rayleigh–Ritz on (H − σI)⁻¹ gives the largest
//    1/(λ − σ), i.e. the smallest λ, multiple ones included (the block is wider than their
//    multiplicity up to `eigenvalues` + 2). Systems of at most 400 unknowns are decomposed
//    densely.
// Deterministic: the Krylov start block comes from a fixed seed, and the factor and the Hessian do
// not depend on the thread count.
#pragma once

#include <string>
#include <vector>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/solvers/block_tridiagonal_system.hpp>
#include <varsphere/solvers/lagrangian_step_model.hpp>
#include <varsphere/solvers/step_model.hpp>

namespace varsphere {

/// What the second variation says about a stationary path.
enum class StationaryKind {
  StrictLocalMinimum,  ///< every eigenvalue above δ: an isolated local minimizer
  Saddle,              ///< some eigenvalue below −δ (Morse index > 0), none in [−δ, δ]
  Degenerate,          ///< some eigenvalue in [−δ, δ]: the second variation does not decide
};

/// "strict-local-minimum", "saddle", "degenerate".
std::string to_string(StationaryKind kind);

struct SecondOrderOptions {
  int eigenvalues = 4;           ///< how many of the smallest eigenvalues to report (≥ 1)
  double zero_tolerance = 1e-7;  ///< δ = zero_tolerance · ‖H‖ (the Hessian is accurate to ~1e-10)
  int threads = 1;
  /// solve_bvp skips the certificate (noting it in the status) when the Hessian has more than this
  /// many unknowns, (K − 1)·n(d − 1): it costs about 4·n(d − 1) step gradients per step, several
  /// times the solve at research sizes (docs/inverse.md). 0: no limit.
  long max_dimension = 20000;
};

struct SecondOrderCertificate {
  StationaryKind kind = StationaryKind::Degenerate;
  long morse_index = 0;  ///< eigenvalues below −δ
  long near_zero = 0;    ///< eigenvalues in [−δ, δ]
  /// The smallest eigenvalues of H, ascending (fewer when H has fewer).
  std::vector<double> smallest_eigenvalues;
  double hessian_norm = 0;    ///< Gershgorin bound on ‖H‖
  double zero_threshold = 0;  ///< δ
  long dimension = 0;         ///< (K − 1)·n(d − 1)
  double seconds = 0;         ///< wall time of the certificate
};

/// The certificate of an assembled Hessian (e.g. action_hessian's). Throws InvalidInput for
/// options.eigenvalues < 1 or a tolerance outside (0, 1).
SecondOrderCertificate certify_hessian(const BlockTridiagonalSystem& hessian,
                                       const SecondOrderOptions& options = {});

/// The certificate of a path's discrete action (K ≥ 2, uniform times). Meaningful at a stationary
/// path (BvpOutcome::Certified); elsewhere it describes the Hessian only.
SecondOrderCertificate second_order_certificate(const StepModel& model, const Trajectory& path,
                                                const SecondOrderOptions& options = {});

template <Lagrangian L>
SecondOrderCertificate second_order_certificate(const L& lagrangian, DiscreteRule rule,
                                                const Trajectory& path,
                                                const SecondOrderOptions& options = {}) {
  return second_order_certificate(LagrangianStepModel<L>(lagrangian, rule), path, options);
}

}  // namespace varsphere
