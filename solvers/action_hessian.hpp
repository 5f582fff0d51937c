// The second variation of a discrete action (docs/math.md §3.8): the Riemannian Hessian of
//     S_d(X_1..X_{K−1}) = Σ_k L_d(X_k, X_{k+1})
// with respect to the interior nodes of a path whose ends are fixed, in the orthonormal tangent
// coordinates of sphere::tangent_basis (node k, token i, coordinate j at index
// (k−1)·N + i·(d−1) + j, N = n(d−1)). A step couples two neighbouring nodes only, so the Hessian is
// block-tridiagonal with dense N×N blocks (the layout of BlockTridiagonalSystem).
//
// Every Lagrangian has step gradients (StepModel::step_gradients), so the Hessian is their
// derivative: on an embedded sphere the Levi-Civita Hessian is Hess f(x)[u] = P_x D(grad f)(x)[u],
// taken here by central differences of the Riemannian gradient along the geodesics exp_x(±εu)
// (error O(ε²) with ε = 1e-5 rad: about 1e-10 relative to the Hessian's entries). At a stationary
// path this is the second variation whatever the chart; away from one it is still the Riemannian
// Hessian.
#pragma once

#include <Eigen/Core>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/solvers/block_tridiagonal_system.hpp>
#include <varsphere/solvers/step_model.hpp>

namespace varsphere {

/// The Riemannian gradient of S_d at the interior nodes, in the tangent coordinates above
/// (length (K−1)·n(d−1)). Throws CutLocusError at the cut locus, InvalidInput for K < 2 or
/// non-uniform times.
Eigen::VectorXd action_gradient(const StepModel& model, const Trajectory& path, int threads = 1);

/// The Riemannian Hessian of S_d at the interior nodes (K − 1 blocks of size n(d−1)); steps are
/// differentiated on `threads` threads (the result does not depend on the count, bit for bit).
/// `angle_step` is the finite-difference step ε. Throws as action_gradient.
BlockTridiagonalSystem action_hessian(const StepModel& model, const Trajectory& path,
                                      int threads = 1, double angle_step = 1e-5);

}  // namespace varsphere
