#include <varsphere/solvers/check_el.hpp>

#include <algorithm>
#include <varsphere/core/error.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/discrete_action.hpp>

namespace varsphere {

namespace {
template <class S>
S central_difference4(const S& m2, const S& m1, const S& p1, const S& p2, double dt) {
  return (m2 - 8.0 * m1 + 8.0 * p1 - p2) / (12.0 * dt);
}
}  // namespace

CheckElResult check_el(const StepModel& model, const Trajectory& traj) {
  const double dt = uniform_spacing(traj);
  const std::size_t m = traj.size();
  if (m < 9) throw InvalidInput("checkEL: at least 9 frames are needed (fourth-order stencils)");
  // Velocities at frames 2..m−3, projected onto the tangent spaces.
  std::vector<Eigen::MatrixXd> V(m), Lx(m), Lv(m);
  for (std::size_t k = 2; k + 2 < m; ++k) {
    const auto& X = traj.frames[k];
    V[k] = central_difference4(traj.frames[k - 2], traj.frames[k - 1], traj.frames[k + 1],
                               traj.frames[k + 2], dt);
    V[k] = product::tangent_project(X, V[k]);
    model.lagrangian_gradients(traj.times[k], X, V[k], Lx[k], Lv[k]);
  }
  CheckElResult out;
  for (std::size_t k = 4; k + 4 < m; ++k) {
    const Eigen::MatrixXd dLv = central_difference4(Lv[k - 2], Lv[k - 1], Lv[k + 1], Lv[k + 2], dt);
    const Eigen::MatrixXd R = product::tangent_project(traj.frames[k], Lx[k] - dLv);
    const double worst = R.colwise().norm().maxCoeff();
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
