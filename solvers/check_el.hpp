// checkEL (MATH.md §3): the projected Euler–Lagrange residual of a Lagrangian along a given
// trajectory on a uniform time grid (e.g. from `varsphere flow`):
//     r(t_k) = max_i | P_{x_i} [ ∂_x L − d/dt ∂_v L ]_i |.
// Velocities are fourth-order central differences of the positions (projected onto the tangent
// spaces), ∂_x L and ∂_v L come from automatic differentiation, and d/dt ∂_v L is again a
// fourth-order central difference; the residual is reported on frames 4..m−5 where both stencils
// fit (at least 9 frames are needed). Its error is O(Δt⁴).
#pragma once

#include <algorithm>
#include <varsphere/core/error.hpp>
#include <varsphere/core/jet_gradient.hpp>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/functionals/lagrangian.hpp>
#include <varsphere/solvers/discrete_action.hpp>
#include <vector>

namespace varsphere {

struct CheckElResult {
  std::vector<double> times;      ///< frames where the residual is defined
  std::vector<double> residuals;  ///< max over tokens at each of those times
  double max_residual = 0.0;
  double time_of_max = 0.0;
};

namespace detail {
template <class S>
S central_difference4(const S& m2, const S& m1, const S& p1, const S& p2, double dt) {
  return (m2 - 8.0 * m1 + 8.0 * p1 - p2) / (12.0 * dt);
}
}  // namespace detail

template <class L>
CheckElResult check_el(const L& lagrangian, const Trajectory& traj) {
  const double dt = uniform_spacing(traj);
  const std::size_t m = traj.size();
  if (m < 9) throw InvalidInput("checkEL: at least 9 frames are needed (fourth-order stencils)");
  const Eigen::Index d = traj.dimension(), n = traj.tokens();
  // Velocities at frames 2..m−3, projected onto the tangent spaces.
  std::vector<Eigen::MatrixXd> V(m), Lx(m), Lv(m);
  for (std::size_t k = 2; k + 2 < m; ++k) {
    const auto& X = traj.frames[k];
    V[k] = detail::central_difference4(traj.frames[k - 2], traj.frames[k - 1], traj.frames[k + 1],
                                       traj.frames[k + 2], dt);
    for (Eigen::Index i = 0; i < n; ++i) V[k].col(i) -= X.col(i).dot(V[k].col(i)) * X.col(i);
    // ∂_x L and ∂_v L together: the gradient with respect to (X, V).
    Eigen::VectorXd xv(2 * d * n), grad;
    xv << Eigen::Map<const Eigen::VectorXd>(X.data(), d * n),
        Eigen::Map<const Eigen::VectorXd>(V[k].data(), d * n);
    const double t = traj.times[k];
    value_and_gradient(
        [&](const auto& z) {
          using J = typename std::decay_t<decltype(z)>::Scalar;
          const Mat<J> Xj = Eigen::Map<const Mat<J>>(z.data(), d, n);
          const Mat<J> Vj = Eigen::Map<const Mat<J>>(z.data() + d * n, d, n);
          return J(lagrangian(J(t), Xj, Vj));
        },
        xv, grad);
    Lx[k] = Eigen::Map<const Eigen::MatrixXd>(grad.data(), d, n);
    Lv[k] = Eigen::Map<const Eigen::MatrixXd>(grad.data() + d * n, d, n);
  }
  CheckElResult out;
  for (std::size_t k = 4; k + 4 < m; ++k) {
    const Eigen::MatrixXd dLv =
        detail::central_difference4(Lv[k - 2], Lv[k - 1], Lv[k + 1], Lv[k + 2], dt);
    const Eigen::MatrixXd R = Lx[k] - dLv;
    const auto& X = traj.frames[k];
    double worst = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      worst = std::max(worst, (R.col(i) - X.col(i).dot(R.col(i)) * X.col(i)).norm());
    }
    out.times.push_back(traj.times[k]);
    out.residuals.push_back(worst);
    if (worst >= out.max_residual) {
      out.max_residual = worst;
      out.time_of_max = traj.times[k];
    }
  }
  return out;
}

}  // namespace varsphere
