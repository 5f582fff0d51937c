// geodesic-bvp (docs/math.md §3): the kinetic BVP is solved by great circles with action d²/(2T), and
// the midpoint rule converges at order 2 (the left-endpoint rule at order 1) on a problem with a
// known solution: flow matching for an SA field with a general A, whose minimizer is the flow.
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/functionals/kinetic_lagrangian.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/path_comparison.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

std::vector<Row> geodesic_bvp(const Settings& s) {
  const std::string id = "geodesic-bvp", paper = "Gracyk";
  std::vector<Row> rows;
  Rng rng(2024);
  double worst_slerp = 0, worst_action = 0;
  for (int d : {2, 3, 8}) {
    const Eigen::MatrixXd X0 = product::random_point(rng, d, 4);
    const Eigen::MatrixXd X1 = product::exp(X0, product::random_tangent(rng, X0, 0.6));
    const double T = 1.3;
    const BvpResult r = solve_bvp(KineticLagrangian{}, X0, X1, T, 16);
    for (int k = 0; k <= 16; ++k) {
      worst_slerp = std::max(
          worst_slerp, product::distance(r.path.frames[k], product::geodesic(X0, X1, k / 16.0)));
    }
    const double dist = product::distance(X0, X1);
    worst_action = std::max(worst_action, std::abs(r.action - dist * dist / (2 * T)));
  }
  rows.push_back(within(id, paper, "kinetic BVP (d = 2, 3, 8; K = 16): max distance to slerp", 0,
                        worst_slerp, 1e-10));
  rows.push_back(
      within(id, paper, "kinetic BVP: |action - d(X0, X1)^2 / (2T)|", 0, worst_action, 1e-10));

  const int d = 3, n = 3, finest = s.quick ? 64 : 256;
  const Eigen::MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField field(d, {{rng.normal_matrix(d, d), Eigen::MatrixXd::Identity(d, d)}},
                             {AttentionNormalization::Softmax, 1.0, 1.0});
  const double T = 1.5;
  const FlowMatchingLagrangian fm{field};
  const Trajectory exact = flow_on_grid(field, X0, T, finest, 1e-13, 1e-14);
  std::vector<double> Ks, mid, left;
  for (int K = 16; K <= finest; K *= 2) {
    Trajectory reference;  // the flow on this grid
    for (int k = 0; k <= K; ++k)
      reference.push_back(exact.times[k * (finest / K)], exact.frames[k * (finest / K)]);
    BvpOptions o;
    Ks.push_back(K);
    mid.push_back(compare_paths(solve_bvp(fm, X0, exact.frames.back(), T, K, o).path, reference)
                      .sup_distance);
    o.rule = DiscreteRule::LeftEndpoint;
    left.push_back(compare_paths(solve_bvp(fm, X0, exact.frames.back(), T, K, o).path, reference)
                       .sup_distance);
  }
  Row second = within(id, paper, "midpoint rule: order of the sup error (flow matching, general A)",
                      2.0, fitted_order(Ks, mid), 0.2);
  second.series = Series{"K", "midpoint: sup distance to the flow", Ks, mid};
  Row first = within(id, paper, "left-endpoint rule: order of the sup error", 1.0,
                     fitted_order(Ks, left), 0.2);
  first.series = Series{"K", "left endpoint: sup distance to the flow", Ks, left};
  rows.push_back(second);
  rows.push_back(first);
  return rows;
}

}  // namespace varsphere::reproduce
