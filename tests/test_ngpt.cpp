// The nGPT placement (docs/math.md §2.2): NgptField integrated by the Post-LN integrator equals the
// integrator's own ngpt placement, its Jet Jacobian equals central differences, and the
// flow-matching BVP between the ends of an nGPT flow recovers that flow (second order in h).
#include <doctest/doctest.h>

#include <varsphere/core/random.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/functionals/ngpt_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/path_comparison.hpp>

using namespace varsphere;
using Eigen::MatrixXd;

TEST_CASE("nGPT field: integrator placement, Jacobian, and the flow-matching BVP") {
  Rng rng(101);
  const int d = 3, n = 5;
  const MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField attention(d, {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)}},
                                 {AttentionNormalization::Softmax, 1.5, 1.0});
  const NgptField ngpt(attention, 0.7);
  FlowOptions placement;
  placement.norm = LayerNormPlacement::NGPT;
  placement.ngpt_alpha = 0.7;
  placement.dt = 0.01;
  FlowOptions post;
  post.dt = 0.01;
  const MatrixXd a = integrate(attention, X0, 0.0, 2.0, placement).final_state;
  const MatrixXd b = integrate(ngpt, X0, 0.0, 2.0, post).final_state;
  CHECK((a - b).cwiseAbs().maxCoeff() <= 1e-13);

  MatrixXd F;
  const MatrixXd J = ngpt.velocity_jacobian(0.0, X0, &F);
  const double h = 1e-6;
  double err = 0;
  for (int k = 0; k < d * n; ++k) {
    MatrixXd P = X0, M = X0, FP, FM;
    P.data()[k] += h;
    M.data()[k] -= h;
    ngpt(0.0, P, FP);
    ngpt(0.0, M, FM);
    const MatrixXd diff = (FP - FM) / (2 * h);
    err = std::max(err, (J.col(k) - Eigen::Map<const Eigen::VectorXd>(diff.data(), d * n)).cwiseAbs().maxCoeff());
  }
  CHECK(err <= 1e-8);

  double previous = 0;
  for (int K : {8, 16}) {
    const Trajectory flow = flow_on_grid(ngpt, X0, 1.0, K);
    const BvpResult r = solve_bvp(FlowMatchingLagrangian<NgptField>{ngpt}, X0, flow.frames.back(), 1.0, K);
    CHECK(r.converged);
    const double gap = compare_paths(r.path, flow).sup_distance;
    if (previous > 0) CHECK(previous / gap >= 3.0);  // O(h²): halving h divides the gap by ~4
    previous = gap;
  }
}
