// Operator splitting of the continuum Transformer (docs/math.md §5, TLLC).
//
// One splitting step of size Δt from u0 (all operators on the grid of functionals/continuum_grid):
//   1. u1 = u0 + Δt Attn(u0)                       attention + residual
//   2. u2 = Proj_S1(u1)                            layer norm
//   3. u3 = Proj_S2(u2 + 𝒲1 u2 + b1)               FFN layer 1 with weights I + W1, ReLU
//   4. u4 = u3 + 𝒲2 u3 + b2                        FFN layer 2 with weights I + W2
//   5. u5 = (u2 + Δt u4)/(1 + Δt)                  residual around the FFN
//   6. u6 = Proj_S1(u5)                            layer norm
// (𝒲u = ∫ W(ξ, y) u(x, ξ) dξ.) With Δt = 1 this is docs/math.md's six-substep Lie splitting of one unit
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
SplittingSubsteps splitting_substeps(const ContinuumGrid& grid, const ContinuumLayer& layer,
                                     const Eigen::MatrixXd& u0, double dt = 1.0);

/// u6 of one splitting step (dt = 1: one Post-LN encoder block).
Eigen::MatrixXd splitting_step(const ContinuumGrid& grid, const ContinuumLayer& layer,
                               const Eigen::MatrixXd& u0, double dt = 1.0);

struct DepthTrajectory {
  std::vector<double> t;           ///< depths of the saved states (t0 first, t0 + T last)
  std::vector<Eigen::MatrixXd> u;  ///< the states
};

/// T/dt splitting steps from u0 at depth t0 (T/dt must be an integer within 1e-9); saves every
/// `save_every` steps plus the first and last states. dt = 1: T layers of a Transformer.
DepthTrajectory depth_flow(const ContinuumGrid& grid, const LayerSchedule& layers,
                           const Eigen::MatrixXd& u0, double T, double dt = 1.0, int save_every = 1,
                           double t0 = 0.0);

}  // namespace varsphere
