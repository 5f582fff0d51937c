// The discrete action S_d = Σ_k L_d(X_k, X_{k+1}) of a path on a uniform grid and its discrete
// Euler–Lagrange (DEL) residual (MATH.md §3): at every interior node k and token i,
//     P_{x_{k,i}} [ ∂_2 L_d(X_{k−1}, X_k) + ∂_1 L_d(X_k, X_{k+1}) ]_i = P ∇_{x_{k,i}} S_d,
// reported divided by h so that it is comparable to the continuous residual
// |P[∂_x L − d/dt ∂_v L]| (L_d is h times L).
#pragma once

#include <cmath>
#include <string>
#include <varsphere/core/error.hpp>
#include <varsphere/core/jet_gradient.hpp>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/solvers/discrete_lagrangian.hpp>

namespace varsphere {

/// Grid spacing of a path with uniform times; throws InvalidInput otherwise.
inline double uniform_spacing(const Trajectory& path) {
  if (path.size() < 2) throw InvalidInput("path: at least two nodes are needed");
  const double h = (path.times.back() - path.times.front()) / double(path.size() - 1);
  for (std::size_t k = 1; k < path.size(); ++k) {
    if (std::abs(path.times[k] - path.times[k - 1] - h) > 1e-9 * std::max(1.0, std::abs(h))) {
      throw InvalidInput("path: times must be uniformly spaced");
    }
  }
  return h;
}

/// S_d of the path; throws CutLocusError if a step joins antipodal tokens.
template <class L>
double discrete_action(const L& lagrangian, DiscreteRule rule, const Trajectory& path) {
  const double h = uniform_spacing(path);
  double total = 0.0;
  for (std::size_t k = 0; k + 1 < path.size(); ++k) {
    double value = 0.0;
    if (!step_value(lagrangian, rule, path.times[k], h, path.frames[k], path.frames[k + 1],
                    value)) {
      throw CutLocusError("discrete action: step " + std::to_string(k + 1) +
                          " joins antipodal tokens");
    }
    total += value;
  }
  return total;
}

/// ∇_{X_k}[L_d(X_{k−1}, X_k) + L_d(X_k, X_{k+1})] (d×n, ambient) for an interior node k, with the
/// scalar type of the nodes (double, or a Jet for nested differentiation).
template <class L, class T>
Mat<T> node_action_gradient(const L& lagrangian, DiscreteRule rule, double t_prev, double h,
                            const Mat<T>& X_prev, const Mat<T>& X, const Mat<T>& X_next) {
  const Eigen::Index d = X.rows(), n = X.cols();
  const Vec<T> x = Eigen::Map<const Vec<T>>(X.data(), X.size());
  Vec<T> grad;
  auto local_action = [&](const auto& xj) {
    using J = typename std::decay_t<decltype(xj)>::Scalar;
    const Mat<J> Xj = Eigen::Map<const Mat<J>>(xj.data(), d, n);
    J a = J(0), b = J(0);
    const Mat<J> P = X_prev.template cast<J>(), N = X_next.template cast<J>();
    if (!step_value(lagrangian, rule, t_prev, h, P, Xj, a) ||
        !step_value(lagrangian, rule, t_prev + h, h, Xj, N, b)) {
      throw CutLocusError("DEL residual: a step joins antipodal tokens");
    }
    return J(a + b);
  };
  value_and_gradient(local_action, x, grad);
  return Eigen::Map<const Mat<T>>(grad.data(), d, n);
}

/// max over interior nodes and tokens of |P_{x_{k,i}} ∇_{x_{k,i}} S_d| / h (0 for K = 1).
template <class L>
double del_residual_max(const L& lagrangian, DiscreteRule rule, const Trajectory& path) {
  const double h = uniform_spacing(path);
  double worst = 0.0;
  for (std::size_t k = 1; k + 1 < path.size(); ++k) {
    const Eigen::MatrixXd& X = path.frames[k];
    const Eigen::MatrixXd G = node_action_gradient(lagrangian, rule, path.times[k - 1], h,
                                                   path.frames[k - 1], X, path.frames[k + 1]);
    for (Eigen::Index i = 0; i < X.cols(); ++i) {
      const Eigen::VectorXd g = G.col(i) - X.col(i).dot(G.col(i)) * X.col(i);
      worst = std::max(worst, g.norm() / h);
    }
  }
  return worst;
}

}  // namespace varsphere
