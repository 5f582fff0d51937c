#include <varsphere/solvers/discrete_action.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>
#include <varsphere/core/error.hpp>
#include <varsphere/manifolds/product.hpp>

namespace varsphere {

double uniform_spacing(const Trajectory& path) {
  if (path.size() < 2) throw InvalidInput("path: at least two nodes are needed");
  const double h = (path.times.back() - path.times.front()) / double(path.size() - 1);
  for (std::size_t k = 1; k < path.size(); ++k) {
    if (std::abs(path.times[k] - path.times[k - 1] - h) > 1e-9 * std::max(1.0, std::abs(h))) {
      throw InvalidInput("path: times must be uniformly spaced");
    }
  }
  return h;
}

double discrete_action(const StepModel& model, const Trajectory& path) {
  const double h = uniform_spacing(path);
  double total = 0.0;
  for (std::size_t k = 0; k + 1 < path.size(); ++k) {
    double value = 0.0;
    if (!model.step_value(path.times[k], h, path.frames[k], path.frames[k + 1], value)) {
      throw CutLocusError("discrete action: step " + std::to_string(k + 1) +
                          " joins antipodal tokens");
    }
    total += value;
  }
  return total;
}

std::pair<Eigen::MatrixXd, Eigen::MatrixXd> node_action_gradients(const StepModel& model,
                                                                  double t_prev, double h,
                                                                  const Eigen::MatrixXd& X_prev,
                                                                  const Eigen::MatrixXd& X,
                                                                  const Eigen::MatrixXd& X_next) {
  Eigen::MatrixXd incoming, outgoing;
  if (!model.step_gradients(t_prev, h, X_prev, X, nullptr, &incoming) ||
      !model.step_gradients(t_prev + h, h, X, X_next, &outgoing, nullptr)) {
    throw CutLocusError("DEL residual: a step joins antipodal tokens");
  }
  return {std::move(incoming), std::move(outgoing)};
}

PathStepGradients path_step_gradients(const StepModel& model, const Trajectory& path, int threads) {
  const double h = uniform_spacing(path);
  const int K = static_cast<int>(path.size()) - 1;
  // Both one-sided gradients of every step, once each, steps in parallel.
  PathStepGradients g{std::vector<Eigen::MatrixXd>(K), std::vector<Eigen::MatrixXd>(K)};
  std::vector<char> defined(K, 1);
#pragma omp parallel for num_threads(std::max(threads, 1)) schedule(dynamic, 1)
  for (int k = 0; k < K; ++k) {
    defined[k] = model.step_gradients(path.times[k], h, path.frames[k], path.frames[k + 1],
                                      k > 0 ? &g.outgoing[k] : nullptr,
                                      k + 1 < K ? &g.incoming[k] : nullptr);
  }
  for (int k = 0; k < K; ++k) {
    if (!defined[k]) throw CutLocusError("DEL residual: a step joins antipodal tokens");
  }
  return g;
}

DelResidual del_residual(const StepModel& model, const Trajectory& path, int threads) {
  const double h = uniform_spacing(path);
  const int K = static_cast<int>(path.size()) - 1;
  const PathStepGradients g = path_step_gradients(model, path, threads);
  const std::vector<Eigen::MatrixXd>&outgoing = g.outgoing, &incoming = g.incoming;
  DelResidual out;
  for (int k = 1; k < K; ++k) {
    const Eigen::MatrixXd& X = path.frames[k];
    const Eigen::MatrixXd Pa = product::tangent_project(X, incoming[k - 1]);
    const Eigen::MatrixXd Pb = product::tangent_project(X, outgoing[k]);
    for (Eigen::Index i = 0; i < X.cols(); ++i) {
      out.max = std::max(out.max, (Pa.col(i) + Pb.col(i)).norm() / h);
      out.scale = std::max({out.scale, Pa.col(i).norm() / h, Pb.col(i).norm() / h});
    }
  }
  return out;
}

}  // namespace varsphere
