// inexact-epsilon (Gracyk's ε-inexact setting, docs/math.md §3): for L + εM the optimal path moves by
// O(ε) — the fitted slope of log(displacement) against log ε is 1 — computed by continuation in
// ε with warm starts.
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/functionals/kinetic_lagrangian.hpp>
#include <varsphere/functionals/perturbed_lagrangian.hpp>
#include <varsphere/solvers/continuation.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/path_comparison.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

std::vector<Row> inexact_epsilon(const Settings& s) {
  const std::string id = "inexact-epsilon", paper = "Gracyk";
  Rng rng(88);
  const Eigen::MatrixXd X0 = product::random_point(rng, 3, 3);
  const double T = 1.0;
  const int K = s.quick ? 16 : 32;
  const AttentionField field = AttentionField::identity(3, {AttentionNormalization::Softmax, 1.0, 1.0});
  const Eigen::MatrixXd X1 = flow_on_grid(field, X0, T, K).frames.back();
  auto make = [&](double eps) {
    return PerturbedLagrangian{FlowMatchingLagrangian{field}, KineticLagrangian{}, eps};
  };
  const std::vector<double> eps = {0.0, 1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2};
  const auto results = continuation(make, eps, X0, X1, T, K);
  std::vector<double> moved, e;
  int converged = 0;
  for (std::size_t j = 0; j < eps.size(); ++j) {
    converged += results[j].converged;
    if (j == 0) continue;
    moved.push_back(compare_paths(results[j].path, results[0].path).sup_distance);
    e.push_back(eps[j]);
  }
  std::vector<double> log_e, log_moved;
  for (std::size_t j = 0; j < e.size(); ++j) {
    log_e.push_back(std::log(e[j]));
    log_moved.push_back(std::log(moved[j]));
  }
  std::vector<Row> rows;
  rows.push_back(
      within(id, paper, "continuation solves converged (of 6 values of eps)", 6, converged, 0));
  Row slope = within(id, paper, "slope of log(path displacement) vs log(eps), M = kinetic", 1.0,
                     fit_line(log_e, log_moved).slope, 0.05);
  slope.series = Series{"eps", "sup displacement of the optimal path", e, moved};
  rows.push_back(slope);
  return rows;
}

}  // namespace varsphere::reproduce
