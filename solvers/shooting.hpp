// Shooting for mechanical Lagrangians L = ½|V|² − U(X) (docs/math.md §3), an independent
// cross-check of the discrete BVP on small problems. The Euler–Lagrange ODE on (S^{d-1})^n,
//     x_i'' = −P_{x_i} ∇_{x_i} U(X) − |x_i'|² x_i,
// is integrated with Boost.Odeint (Dormand–Prince, tight tolerances); Newton's method on the
// initial velocity V_0 ∈ T_{X_0} (tangent coordinates, finite-difference Jacobian) makes X(T) hit
// X_end. ∇U comes from automatic differentiation of the user's potential: that is the template
// edge (`shoot`, `mechanical_trajectory`); the ODE and Newton are compiled in the library.
//
// The potential is any object with `template <class T> T operator()(const Mat<T>& X) const`.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/jet_gradient.hpp>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/functionals/lagrangian.hpp>

namespace varsphere {

struct ShootingOptions {
  double rtol = 1e-13, atol = 1e-14;  ///< ODE tolerances
  double tolerance = 1e-11;           ///< on |log_{X_end} X(T)|
  int max_iterations = 30;
  double fd_step = 1e-7;  ///< finite-difference step of the Newton Jacobian
};

struct ShootingResult {
  Trajectory path;           ///< X(t) on the requested grid
  Eigen::MatrixXd velocity;  ///< V_0
  double endpoint_error = 0.0;
  int iterations = 0;
  bool converged = false;
};

/// ∇U(X) (Euclidean, d×n) of a potential.
using PotentialGradient = std::function<Eigen::MatrixXd(const Eigen::MatrixXd& X)>;

/// Integrates the E–L ODE from (X0, V0) and returns X at times t_k = kT/K.
Trajectory mechanical_trajectory_with(const PotentialGradient& gradient, const Configuration& X0,
                                      const Eigen::MatrixXd& V0, double T, int K,
                                      const ShootingOptions& options = {});

/// Newton shooting from X0 to X1 over [0, T], starting from the geodesic's velocity; the path is
/// sampled at t_k = kT/K.
ShootingResult shoot_with(const PotentialGradient& gradient, const Configuration& X0,
                          const Configuration& X1, double T, int K,
                          const ShootingOptions& options = {});

/// ∇U by forward-mode automatic differentiation of a potential written for any scalar.
template <class Potential>
PotentialGradient potential_gradient(const Potential& potential) {
  return [&potential](const Eigen::MatrixXd& X) {
    const Eigen::Index d = X.rows(), n = X.cols();
    const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(X.data(), d * n);
    Eigen::VectorXd g;
    value_and_gradient(
        [&](const auto& z) {
          using J = typename std::decay_t<decltype(z)>::Scalar;
          return J(potential(Mat<J>(Eigen::Map<const Mat<J>>(z.data(), d, n))));
        },
        x, g);
    return Eigen::MatrixXd(Eigen::Map<const Eigen::MatrixXd>(g.data(), d, n));
  };
}

template <class Potential>
Trajectory mechanical_trajectory(const Potential& potential, const Configuration& X0,
                                 const Eigen::MatrixXd& V0, double T, int K,
                                 const ShootingOptions& options = {}) {
  return mechanical_trajectory_with(potential_gradient(potential), X0, V0, T, K, options);
}

template <class Potential>
ShootingResult shoot(const Potential& potential, const Configuration& X0, const Configuration& X1,
                     double T, int K, const ShootingOptions& options = {}) {
  return shoot_with(potential_gradient(potential), X0, X1, T, K, options);
}

}  // namespace varsphere
