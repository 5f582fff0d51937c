// Shooting for mechanical Lagrangians L = ½|V|² − U(X) (MATH.md §3), an independent cross-check
// of the discrete BVP on small problems. The Euler–Lagrange ODE on (S^{d-1})^n,
//     x_i'' = −P_{x_i} ∇_{x_i} U(X) − |x_i'|² x_i,
// is integrated with Boost.Odeint (Dormand–Prince, tight tolerances); Newton's method on the
// initial velocity V_0 ∈ T_{X_0} (tangent coordinates, finite-difference Jacobian) makes X(T) hit
// X_end. ∇U comes from automatic differentiation of the user's potential.
#pragma once

#include <Eigen/Dense>
#include <boost/numeric/odeint.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/jet_gradient.hpp>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/functionals/lagrangian.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

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

namespace detail {
template <class Potential>
struct MechanicalOde {
  const Potential& potential;
  Eigen::Index d, n;
  // State: [X | V] as d×2n.
  void operator()(const Eigen::MatrixXd& s, Eigen::MatrixXd& ds, double) const {
    const Eigen::MatrixXd X = s.leftCols(n), V = s.rightCols(n);
    Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(X.data(), d * n), g;
    value_and_gradient(
        [&](const auto& z) {
          using J = typename std::decay_t<decltype(z)>::Scalar;
          return J(potential(Mat<J>(Eigen::Map<const Mat<J>>(z.data(), d, n))));
        },
        x, g);
    const Eigen::MatrixXd G = Eigen::Map<const Eigen::MatrixXd>(g.data(), d, n);
    ds.resize(d, 2 * n);
    ds.leftCols(n) = V;
    for (Eigen::Index i = 0; i < n; ++i) {
      const Eigen::VectorXd pg = G.col(i) - X.col(i).dot(G.col(i)) * X.col(i);
      ds.col(n + i) = -pg - V.col(i).squaredNorm() * X.col(i);
    }
  }
};
}  // namespace detail

/// Integrates the E–L ODE from (X0, V0) and returns X at times t_k = kT/K.
template <class Potential>
Trajectory mechanical_trajectory(const Potential& potential, const Configuration& X0,
                                 const Eigen::MatrixXd& V0, double T, int K,
                                 const ShootingOptions& options = {}) {
  namespace odeint = boost::numeric::odeint;
  const Eigen::Index d = X0.rows(), n = X0.cols();
  Eigen::MatrixXd s(d, 2 * n);
  s << X0, V0;
  Trajectory out;
  out.push_back(0.0, X0);
  const detail::MechanicalOde<Potential> ode{potential, d, n};
  using Stepper = odeint::runge_kutta_dopri5<Eigen::MatrixXd, double, Eigen::MatrixXd, double,
                                             odeint::vector_space_algebra>;
  for (int k = 1; k <= K; ++k) {
    odeint::integrate_adaptive(odeint::make_controlled(options.atol, options.rtol, Stepper()), ode,
                               s, (k - 1) * T / K, k * T / K, T / K);
    out.push_back(k * T / K, s.leftCols(n));
  }
  return out;
}

template <class Potential>
ShootingResult shoot(const Potential& potential, const Configuration& X0, const Configuration& X1,
                     double T, int K, const ShootingOptions& options = {}) {
  validate_configuration(X0, kUnitTolerance, "shooting start");
  validate_configuration(X1, kUnitTolerance, "shooting end");
  const Eigen::Index d = X0.rows(), n = X0.cols(), m = n * (d - 1);
  std::vector<Eigen::MatrixXd> B0(n), B1(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    B0[i] = sphere::tangent_basis(X0.col(i));
    B1[i] = sphere::tangent_basis(X1.col(i));
  }
  auto velocity_of = [&](const Eigen::VectorXd& xi) {
    Eigen::MatrixXd V(d, n);
    for (Eigen::Index i = 0; i < n; ++i) V.col(i) = B0[i] * xi.segment(i * (d - 1), d - 1);
    return V;
  };
  auto miss = [&](const Eigen::VectorXd& xi) {  // tangent coordinates of log_{X1} X(T)
    const Trajectory tr = mechanical_trajectory(potential, X0, velocity_of(xi), T, 1, options);
    const Eigen::MatrixXd L = product::log(X1, tr.frames.back());
    Eigen::VectorXd r(m);
    for (Eigen::Index i = 0; i < n; ++i)
      r.segment(i * (d - 1), d - 1) = B1[i].transpose() * L.col(i);
    return r;
  };
  // Initial guess: the geodesic's velocity.
  const Eigen::MatrixXd L0 = product::log(X0, X1) / T;
  Eigen::VectorXd xi(m);
  for (Eigen::Index i = 0; i < n; ++i)
    xi.segment(i * (d - 1), d - 1) = B0[i].transpose() * L0.col(i);
  ShootingResult result;
  Eigen::VectorXd r = miss(xi);
  for (; result.iterations < options.max_iterations && r.norm() > options.tolerance;
       ++result.iterations) {
    Eigen::MatrixXd J(m, m);
    for (Eigen::Index j = 0; j < m; ++j) {
      Eigen::VectorXd p = xi, q = xi;
      p(j) += options.fd_step;
      q(j) -= options.fd_step;
      J.col(j) = (miss(p) - miss(q)) / (2 * options.fd_step);
    }
    xi -= J.fullPivLu().solve(r);
    r = miss(xi);
  }
  result.velocity = velocity_of(xi);
  result.endpoint_error = r.norm();
  result.converged = r.norm() <= options.tolerance;
  result.path = mechanical_trajectory(potential, X0, result.velocity, T, K, options);
  return result;
}

}  // namespace varsphere
