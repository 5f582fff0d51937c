#include <varsphere/solvers/shooting.hpp>

#include <Eigen/LU>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/manifolds/sphere.hpp>
#include <varsphere/solvers/detail/odeint_eigen.hpp>

namespace varsphere {

namespace {
struct MechanicalOde {
  const PotentialGradient& gradient;
  Eigen::Index d, n;
  // State: [X | V] as d×2n.
  void operator()(const Eigen::MatrixXd& s, Eigen::MatrixXd& ds, double) const {
    const Eigen::MatrixXd X = s.leftCols(n), V = s.rightCols(n);
    const Eigen::MatrixXd G = gradient(X);
    ds.resize(d, 2 * n);
    ds.leftCols(n) = V;
    ds.rightCols(n) = -product::tangent_project(X, G);
    for (Eigen::Index i = 0; i < n; ++i) ds.col(n + i) -= V.col(i).squaredNorm() * X.col(i);
  }
};
}  // namespace

Trajectory mechanical_trajectory_with(const PotentialGradient& gradient, const Configuration& X0,
                                      const Eigen::MatrixXd& V0, double T, int K,
                                      const ShootingOptions& options) {
  namespace odeint = boost::numeric::odeint;
  const Eigen::Index d = X0.rows(), n = X0.cols();
  Eigen::MatrixXd s(d, 2 * n);
  s << X0, V0;
  Trajectory out;
  out.push_back(0.0, X0);
  const MechanicalOde ode{gradient, d, n};
  using Stepper = odeint::runge_kutta_dopri5<Eigen::MatrixXd, double, Eigen::MatrixXd, double,
                                             odeint::vector_space_algebra>;
  for (int k = 1; k <= K; ++k) {
    odeint::integrate_adaptive(odeint::make_controlled(options.atol, options.rtol, Stepper()), ode,
                               s, (k - 1) * T / K, k * T / K, T / K);
    out.push_back(k * T / K, s.leftCols(n));
  }
  return out;
}

ShootingResult shoot_with(const PotentialGradient& gradient, const Configuration& X0,
                          const Configuration& X1, double T, int K,
                          const ShootingOptions& options) {
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
    const Trajectory tr = mechanical_trajectory_with(gradient, X0, velocity_of(xi), T, 1, options);
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
  result.path = mechanical_trajectory_with(gradient, X0, result.velocity, T, K, options);
  return result;
}

}  // namespace varsphere
