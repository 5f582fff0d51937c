// Operator splitting of the continuum Transformer (MATH.md §5, TLLC).
//
// One splitting step of size Δt from u0 (all operators on the grid of functionals/continuum_grid):
//   1. u1 = u0 + Δt Attn(u0)                       attention + residual
//   2. u2 = Proj_S1(u1)                            layer norm
//   3. u3 = Proj_S2(u2 + 𝒲1 u2 + b1)               FFN layer 1 with weights I + W1, ReLU
//   4. u4 = u3 + 𝒲2 u3 + b2                        FFN layer 2 with weights I + W2
//   5. u5 = (u2 + Δt u4)/(1 + Δt)                  residual around the FFN
//   6. u6 = Proj_S1(u5)                            layer norm
// (𝒲u = ∫ W(ξ, y) u(x, ξ) dξ.) With Δt = 1 this is MATH.md's six-substep Lie splitting of one unit
// of depth, u5 = ½(u4 + u2), and equals a Post-LN encoder block u ↦ LN(u″ + FFN(u″)),
// u″ = LN(u + Attn(u)), because LN(c v) = LN(v) for c > 0. With Δt → 0 (1/Δt substeps per unit
// of depth) it is the Lie–Euler discretization of the continuous-depth model
//   u_t = Attn(u) + (FFN(u) − u),  u(t) ∈ S1(σ1(t), σ2(t)),
// of first order in Δt: the continuous-time version whose Δt = 1 instance is the encoder.
// Weights may depend on depth through a LayerSchedule; substep k uses the layer at t_k = t0 + kΔt.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <functional>
#include <string>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/continuum_attention.hpp>
#include <varsphere/functionals/continuum_grid.hpp>
#include <varsphere/functionals/continuum_layer.hpp>
#include <varsphere/functionals/layer_norm_projection.hpp>
#include <vector>

namespace varsphere {

struct SplittingSubsteps {
  Eigen::MatrixXd u1, u2, u3, u4, u5, u6;
};

/// The six substeps of one splitting step of size dt from u0.
inline SplittingSubsteps splitting_substeps(const ContinuumGrid& grid, const ContinuumLayer& layer,
                                            const Eigen::MatrixXd& u0, double dt = 1.0) {
  grid.check_field(u0, "continuum state");
  check_layer(grid, layer);
  if (!(dt > 0) || !std::isfinite(dt)) throw InvalidInput("splitting: dt must be positive");
  SplittingSubsteps s;
  s.u1 = u0 + dt * continuum_attention(grid, layer.attention, u0);
  s.u2 = project_layer_norm(grid, s.u1, layer.sigma1, layer.sigma2);
  s.u3 = project_nonnegative(s.u2 + feature_integral(grid, s.u2, layer.W1) + layer.b1);
  s.u4 = s.u3 + feature_integral(grid, s.u3, layer.W2) + layer.b2;
  s.u5 = (s.u2 + dt * s.u4) / (1.0 + dt);
  s.u6 = project_layer_norm(grid, s.u5, layer.sigma1, layer.sigma2);
  return s;
}

/// u6 of one splitting step (dt = 1: one Post-LN encoder block).
inline Eigen::MatrixXd splitting_step(const ContinuumGrid& grid, const ContinuumLayer& layer,
                                      const Eigen::MatrixXd& u0, double dt = 1.0) {
  return splitting_substeps(grid, layer, u0, dt).u6;
}

struct DepthTrajectory {
  std::vector<double> t;           ///< depths of the saved states (t0 first, t0 + T last)
  std::vector<Eigen::MatrixXd> u;  ///< the states
};

/// T/dt splitting steps from u0 at depth t0 (T/dt must be an integer within 1e-9); saves every
/// `save_every` steps plus the first and last states. dt = 1: T layers of a Transformer.
inline DepthTrajectory depth_flow(const ContinuumGrid& grid, const LayerSchedule& layers,
                                  const Eigen::MatrixXd& u0, double T, double dt = 1.0,
                                  int save_every = 1, double t0 = 0.0) {
  if (!(T >= 0) || !std::isfinite(T) || !(dt > 0) || !std::isfinite(dt)) {
    throw InvalidInput("depth flow: need T >= 0 and dt > 0");
  }
  const double steps_real = T / dt;
  const auto steps = static_cast<long>(std::llround(steps_real));
  if (std::abs(steps_real - double(steps)) > 1e-9 * std::max(1.0, steps_real)) {
    throw InvalidInput("depth flow: T/dt must be a whole number of steps");
  }
  if (save_every < 1) throw InvalidInput("depth flow: save_every must be at least 1");
  grid.check_field(u0, "continuum initial state");
  DepthTrajectory out;
  out.t.push_back(t0);
  out.u.push_back(u0);
  Eigen::MatrixXd u = u0;
  for (long k = 0; k < steps; ++k) {
    const double t = t0 + double(k) * dt;
    u = splitting_step(grid, layers(t), u, dt);
    if ((k + 1) % save_every == 0 || k + 1 == steps) {
      out.t.push_back(t0 + double(k + 1) * dt);
      out.u.push_back(u);
    }
  }
  return out;
}

}  // namespace varsphere
