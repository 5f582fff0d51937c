#include <varsphere/solvers/continuum_splitting.hpp>

namespace varsphere {

SplittingSubsteps splitting_substeps(const ContinuumGrid& grid, const ContinuumLayer& layer,
                                     const Eigen::MatrixXd& u0, double dt) {
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

Eigen::MatrixXd splitting_step(const ContinuumGrid& grid, const ContinuumLayer& layer,
                               const Eigen::MatrixXd& u0, double dt) {
  return splitting_substeps(grid, layer, u0, dt).u6;
}

DepthTrajectory depth_flow(const ContinuumGrid& grid, const LayerSchedule& layers,
                           const Eigen::MatrixXd& u0, double T, double dt, int save_every,
                           double t0) {
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
