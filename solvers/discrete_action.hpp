// The discrete action S_d = Σ_k L_d(X_k, X_{k+1}) of a path on a uniform grid and its discrete
// Euler–Lagrange (DEL) residual (MATH.md §3): at every interior node k and token i,
//     P_{x_{k,i}} [ ∂_2 L_d(X_{k−1}, X_k) + ∂_1 L_d(X_k, X_{k+1}) ]_i = P ∇_{x_{k,i}} S_d,
// reported divided by h so that it is comparable to the continuous residual
// |P[∂_x L − d/dt ∂_v L]| (L_d is h times L).
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
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

/// The two one-sided gradients ∇_{X_k} L_d(X_{k−1}, X_k) and ∇_{X_k} L_d(X_k, X_{k+1}) (d×n each,
/// ambient) at an interior node k; their sum is the DEL residual before projection.
template <class L>
std::pair<Eigen::MatrixXd, Eigen::MatrixXd> node_action_gradients(
    const L& lagrangian, DiscreteRule rule, double t_prev, double h, const Eigen::MatrixXd& X_prev,
    const Eigen::MatrixXd& X, const Eigen::MatrixXd& X_next) {
  const Eigen::Index d = X.rows(), n = X.cols();
  if constexpr (AnalyticLeastSquaresLagrangian<L>) {
    // L_d = ½|step residual|², so a one-sided gradient is Jᵀr with the closed-form Jacobian.
    Eigen::VectorXd r;
    Eigen::MatrixXd Ja, Jb;
    Eigen::VectorXd incoming, outgoing;
    if (!step_residual_jacobians(lagrangian, rule, t_prev, h, X_prev, X, r, Ja, Jb)) {
      throw CutLocusError("DEL residual: a step joins antipodal tokens");
    }
    incoming = Jb.transpose() * r;
    if (!step_residual_jacobians(lagrangian, rule, t_prev + h, h, X, X_next, r, Ja, Jb)) {
      throw CutLocusError("DEL residual: a step joins antipodal tokens");
    }
    outgoing = Ja.transpose() * r;
    return {Eigen::Map<const Eigen::MatrixXd>(incoming.data(), d, n),
            Eigen::Map<const Eigen::MatrixXd>(outgoing.data(), d, n)};
  }
  const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(X.data(), X.size());
  auto one_side = [&](bool incoming) {
    Eigen::VectorXd grad;
    value_and_gradient(
        [&](const auto& xj) {
          using J = typename std::decay_t<decltype(xj)>::Scalar;
          const Mat<J> Xj = Eigen::Map<const Mat<J>>(xj.data(), d, n);
          J value = J(0);
          const bool ok = incoming ? step_value(lagrangian, rule, t_prev, h,
                                                Mat<J>(X_prev.cast<J>()), Xj, value)
                                   : step_value(lagrangian, rule, t_prev + h, h, Xj,
                                                Mat<J>(X_next.cast<J>()), value);
          if (!ok) throw CutLocusError("DEL residual: a step joins antipodal tokens");
          return value;
        },
        x, grad);
    return Eigen::MatrixXd(Eigen::Map<const Eigen::MatrixXd>(grad.data(), d, n));
  };
  return {one_side(true), one_side(false)};
}

/// ∇_{X_k}[L_d(X_{k−1}, X_k) + L_d(X_k, X_{k+1})] at an interior node.
template <class L>
Eigen::MatrixXd node_action_gradient(const L& lagrangian, DiscreteRule rule, double t_prev,
                                     double h, const Eigen::MatrixXd& X_prev,
                                     const Eigen::MatrixXd& X, const Eigen::MatrixXd& X_next) {
  const auto [incoming, outgoing] =
      node_action_gradients(lagrangian, rule, t_prev, h, X_prev, X, X_next);
  return incoming + outgoing;
}

struct DelResidual {
  double max = 0.0;    ///< max_k,i |P ∇_{x_k,i} S_d| / h
  double scale = 0.0;  ///< max_k,i of |P ∇| / h of each one-sided term: what cancels in `max`
};

/// The DEL residual of a path and its scale (0 for K = 1). A solution has max ≪ scale; the
/// ratio measures how completely the two terms cancel.
template <class L>
DelResidual del_residual(const L& lagrangian, DiscreteRule rule, const Trajectory& path) {
  const double h = uniform_spacing(path);
  DelResidual out;
  auto tangent_norm = [](const Eigen::VectorXd& x, const Eigen::VectorXd& g) {
    return (g - x.dot(g) * x).norm();
  };
  for (std::size_t k = 1; k + 1 < path.size(); ++k) {
    const Eigen::MatrixXd& X = path.frames[k];
    const auto [a, b] = node_action_gradients(lagrangian, rule, path.times[k - 1], h,
                                              path.frames[k - 1], X, path.frames[k + 1]);
    for (Eigen::Index i = 0; i < X.cols(); ++i) {
      out.max = std::max(out.max, tangent_norm(X.col(i), a.col(i) + b.col(i)) / h);
      out.scale = std::max(
          {out.scale, tangent_norm(X.col(i), a.col(i)) / h, tangent_norm(X.col(i), b.col(i)) / h});
    }
  }
  return out;
}

/// max over interior nodes and tokens of |P_{x_{k,i}} ∇_{x_{k,i}} S_d| / h (0 for K = 1).
template <class L>
double del_residual_max(const L& lagrangian, DiscreteRule rule, const Trajectory& path) {
  return del_residual(lagrangian, rule, path).max;
}

}  // namespace varsphere
