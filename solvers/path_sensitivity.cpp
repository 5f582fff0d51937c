#include <varsphere/solvers/path_sensitivity.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <varsphere/core/error.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/action_hessian.hpp>

namespace varsphere {
namespace {

// The path with its nodes kept and its times stretched to horizon T.
Trajectory with_horizon(const Trajectory& path, double T) {
  Trajectory out = path;
  const int K = static_cast<int>(path.size()) - 1;
  for (int k = 0; k <= K; ++k) out.times[k] = path.times.front() + T * double(k) / double(K);
  return out;
}

}  // namespace

std::vector<Eigen::MatrixXd> path_sensitivity(const ActionFamily& family, double theta,
                                              const Trajectory& path,
                                              const SensitivityOptions& options) {
  if (path.size() < 3) throw InvalidInput("sensitivity: the path has no interior node (K >= 2 needed)");
  if (!(options.parameter_step > 0)) throw InvalidInput("sensitivity: parameter_step must be > 0");
  const ParametrizedAction here = family(theta);
  const double horizon = path.times.back() - path.times.front();
  if (!(std::abs(here.T - horizon) <= 1e-9 * std::max(1.0, std::abs(horizon)))) {
    throw InvalidInput("sensitivity: the path spans T = " + std::to_string(horizon) +
                       " but the problem at theta has T = " + std::to_string(here.T));
  }
  const double delta = options.parameter_step * std::max(1.0, std::abs(theta));
  const ParametrizedAction up = family(theta + delta), down = family(theta - delta);
  const Eigen::VectorXd mixed =
      (action_gradient(*up.model, with_horizon(path, up.T), options.threads) -
       action_gradient(*down.model, with_horizon(path, down.T), options.threads)) /
      (2 * delta);
  const BlockTridiagonalSystem H = action_hessian(*here.model, path, options.threads);
  const Eigen::VectorXd dx = H.solve_symmetric(-mixed);

  const Eigen::Index d = path.frames[0].rows(), n = path.frames[0].cols(), N = n * (d - 1);
  std::vector<Eigen::MatrixXd> out(path.size(), Eigen::MatrixXd::Zero(d, n));
  for (std::size_t k = 1; k + 1 < path.size(); ++k) {
    out[k] = product::from_tangent_coordinates(product::tangent_bases(path.frames[k]),
                                               dx.segment((k - 1) * N, N));
  }
  return out;
}

}  // namespace varsphere
