// Integration of vector fields on (S^{d-1})^n (docs/math.md §2).
//
//   integrate(field, X0, t0, t1, options) -> FlowResult
//
// `field` is any VectorField (flow_field.hpp): AttentionField or a user functor writing the
// tangent velocity F(t, X). Schemes:
//  * rk4              classical Runge–Kutta (Boost.Odeint), fixed step, order 4;
//  * dopri5           Dormand–Prince 5(4) with error control and dense output (Boost.Odeint):
//                     frames are interpolated at the requested times;
//  * geodesic-euler   X ← exp_X(h F(t, X)), order 1;
//  * euler-renormalize x_i ← normalize(x_i + h D_i) with D the field's unprojected velocity when
//                     it has one (the published research code's scheme, for exact replay),
//                     otherwise the velocity; order 1.
//  * simuformer-euler the exact discrete updates of simuformer (nikitus20/simuformer) for each
//                     placement, with its radius r (starting at 1) and its 1e-9 guards:
//                     post x ← N(x + hD); pre r ← r + h r Σ_k D_k, x ← N(x + h P_x D/(r + 1e-9));
//                     peri D̂ = D/(‖D‖ + 1e-9), r ← r + h r Σ_k D̂_k, x ← N(x + h D̂/(r + 1e-9));
//                     ngpt x ← N(x + h α D/(‖D‖ + 1e-9)). Its radius update multiplies r by the
//                     sum of the coordinates of D: not rotation-equivariant, unlike the
//                     continuous ṙ = ⟨x, D⟩ of Pre-LN (docs/math.md §2.2). For replay only.
//  * geodesic-euler-maruyama  noisy tokens dx = F dt + σ P_x∘dW (Brownian motion on each sphere,
//                     docs/math.md §2.8): x ← exp_x(h F + σ P_x ΔW), ΔW the sum of the increments
//                     of one Brownian path drawn on the fixed grid noise_dt from `seed`, so runs
//                     with different h (multiples of noise_dt) share the path; strong order 1/2,
//                     weak order 1. The exponential map supplies the Itô drift −(d−1)σ²x/2.
// Every step ends on the manifold: the state's columns are renormalized after each step (the
// exact flow preserves the sphere, so this only removes the integrator's drift).
//
// Pre-LN (docs/math.md §2): the integrator carries the unnormalized residual stream z_i with
// ż_i = D_i(t, z/‖z‖); the tokens x_i = z_i/‖z_i‖ then move with speed 1/‖z_i‖ times the Post-LN
// velocity. It needs a field with an unprojected velocity and the rk4 or dopri5 scheme.
//
// The integrator itself is compiled once in the library (integrate_field); `integrate` only wraps
// the field in a FieldAdapter.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/solvers/flow_field.hpp>
#include <vector>

namespace varsphere {

enum class FlowScheme {
  RK4,
  Dopri5,
  GeodesicEuler,
  EulerRenormalize,
  SimuformerEuler,
  GeodesicEulerMaruyama,
};
/// Where the normalization sits in the residual stream (docs/math.md §2.2):
///  * Post:  tokens on the sphere, ẋ = P_x D;
///  * Pre:   the stream z = r x with ż = D(x): ẋ = P_x D / r, ṙ = ⟨x, D⟩;
///  * Peri:  the attention output normalized before it is added, ż = D̂(x) = D/‖D‖ per token;
///  * NGPT:  nGPT's x ← normalize(x + α(D̂ − x)) in continuous time: ẋ = α P_x D̂.
enum class LayerNormPlacement { Post, Pre, Peri, NGPT };
/// "post", "pre", "peri", "ngpt"; throws InvalidInput otherwise.
LayerNormPlacement parse_layer_norm(const std::string& name);
std::string to_string(LayerNormPlacement norm);

/// "rk4", "dopri5", "geodesic-euler", "euler-renormalize"; throws InvalidInput otherwise.
FlowScheme parse_flow_scheme(const std::string& name);
std::string to_string(FlowScheme scheme);

struct FlowOptions {
  FlowScheme scheme = FlowScheme::RK4;
  /// Step of the fixed-step schemes (the last steps are shortened evenly so that t1 is hit
  /// exactly: N = ceil((t1 − t0)/dt) steps of (t1 − t0)/N); initial step of dopri5.
  double dt = 0.01;
  double rtol = 1e-8;   ///< dopri5 relative tolerance
  double atol = 1e-10;  ///< dopri5 absolute tolerance
  /// Save a frame every `save_every` steps (fixed-step schemes) or at t0 + k·save_every·dt
  /// (dopri5); t0 and t1 are always saved.
  int save_every = 1;
  /// If not empty: save exactly at these times (increasing, inside [t0, t1]) instead of the
  /// save_every grid. dopri5 interpolates; fixed-step schemes require each time to be a step
  /// time (within 1e-9 of a step) and throw InvalidInput otherwise.
  std::vector<double> save_times;
  bool record = true;  ///< false: keep only the first and last frames
  LayerNormPlacement norm = LayerNormPlacement::Post;
  double ngpt_alpha = 0.2;  ///< α of the nGPT placement (simuformer hard-codes 0.2), > 0
  double noise_sigma = 0.0;  ///< σ ≥ 0 of geodesic-euler-maruyama
  double noise_dt = 0.0;     ///< Brownian grid step (0: dt); dt must be a multiple of it
  std::uint64_t seed = 1;    ///< seed of the Brownian path
  /// Called after every step with the current time (progress reporting).
  std::function<void(double)> on_step;
  /// Called at every saved frame with (t, X) (streaming diagnostics).
  std::function<void(double, const Eigen::MatrixXd&)> observer;
  /// Step budget: fixed-step schemes needing more steps are refused before the first one,
  /// dopri5 stops with ResourceLimit when it has taken this many steps before reaching t1.
  std::size_t max_steps = 1'000'000;
};

struct FlowResult {
  Trajectory trajectory;  ///< saved frames (t0 first, t1 last)
  Configuration final_state;
  std::size_t steps = 0;            ///< accepted steps
  std::size_t rhs_evaluations = 0;  ///< evaluations of the field (or its drive)
  /// Pre/Peri: the final radii r_i = ‖z_i‖ of the stream (simuformer-euler: its r); else empty.
  Eigen::VectorXd radii;
};

/// The integrator on the type-erased field (the compiled core of `integrate`). Throws
/// InvalidInput for a non-unit X0, t1 < t0, non-finite times, dt ≤ 0, bad save times or tolerances,
/// and Pre-LN with a field without an unprojected velocity or a scheme other than rk4/dopri5;
/// ResourceLimit, before any step, when the recorded frames would not fit in the available memory
/// or a fixed-step scheme needs more than max_steps steps, and when dopri5 exhausts max_steps;
/// Error if the state becomes non-finite.
FlowResult integrate_field(FlowField& field, const Configuration& X0, double t0, double t1,
                           const FlowOptions& options);

template <VectorField Field>
FlowResult integrate(const Field& field, const Configuration& X0, double t0, double t1,
                     const FlowOptions& options) {
  FieldAdapter<Field> adapter(field);
  return integrate_field(adapter, X0, t0, t1, options);
}

/// The Post-LN flow of `field` from X0 sampled on the grid t_k = kT/K, k = 0..K, by dopri5 with
/// tight tolerances: the reference trajectory a BVP solution on K steps is compared with.
/// `max_steps` is dopri5's step budget (FlowOptions::max_steps).
FlowOptions grid_flow_options(double T, int K, double rtol, double atol,
                              std::size_t max_steps = FlowOptions{}.max_steps);

template <VectorField Field>
Trajectory flow_on_grid(const Field& field, const Configuration& X0, double T, int K,
                        double rtol = 1e-12, double atol = 1e-13,
                        std::size_t max_steps = FlowOptions{}.max_steps) {
  return integrate(field, X0, 0.0, T, grid_flow_options(T, K, rtol, atol, max_steps)).trajectory;
}

}  // namespace varsphere
