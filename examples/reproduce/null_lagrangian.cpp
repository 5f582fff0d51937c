// null-lagrangian (docs/math.md §3): in the metric g of the gradient structure, the De Giorgi and
// flow-matching Lagrangians differ by ⟨V, grad_g E⟩_g = dE/dt, whose Euler–Lagrange residual
// vanishes identically: both give the same optimal path.
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/de_giorgi_lagrangian.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/functionals/perturbed_lagrangian.hpp>
#include <varsphere/solvers/check_el.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/path_comparison.hpp>
#include <varsphere/functionals/attention_normalization.hpp>
#include <varsphere/manifolds/product.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

std::vector<Row> null_lagrangian(const Settings& s) {
  const std::string id = "null-lagrangian", paper = "Gracyk";
  Rng rng(85);
  const int d = 3, n = 4, K = s.quick ? 32 : 64;
  const double beta = 1.5, T = 1.0;
  const Eigen::MatrixXd X0 = product::random_point(rng, d, n);
  const DeGiorgiLagrangian dg = DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, beta, d);
  const FlowMatchingLagrangian fm{dg.field(), dg.metric()};
  const Trajectory flow = flow_on_grid(dg.field(), X0, T, K);
  const BvpResult a = solve_bvp(dg, X0, flow.frames.back(), T, K);
  const BvpResult b = solve_bvp(fm, X0, flow.frames.back(), T, K);
  std::vector<Row> rows;
  rows.push_back(
      within(id, paper,
             "sup distance De Giorgi path - flow-matching path (SA, K = " + std::to_string(K) + ")",
             0, compare_paths(a.path, b.path).sup_distance, 1e-4));
  // Along an arbitrary path (a geodesic between unrelated points) the difference has no E–L
  // residual, each Lagrangian alone does.
  const Eigen::MatrixXd Y = product::random_point(rng, d, n);
  Trajectory path;
  for (int k = 0; k <= 200; ++k) path.push_back(k / 200.0, product::geodesic(X0, Y, k / 200.0));
  rows.push_back(within(id, paper, "checkEL of L_DG - L_FM along an arbitrary path", 0,
                        check_el(PerturbedLagrangian{dg, fm, -1.0}, path).max_residual, 1e-6));
  rows.push_back(at_least(id, paper, "checkEL of L_DG alone along that path", 1e-2,
                          check_el(dg, path).max_residual));
  return rows;
}

}  // namespace varsphere::reproduce
