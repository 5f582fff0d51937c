// checkel-flow (docs/math.md §3): the projected Euler–Lagrange residual along an accurate SA flow
// trajectory vanishes for the flow's own Lagrangians (flow matching, De Giorgi) and not for the
// kinetic one (the flow is not a geodesic).
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/de_giorgi_lagrangian.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/functionals/kinetic_lagrangian.hpp>
#include <varsphere/solvers/check_el.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

std::vector<Row> checkel_flow(const Settings& s) {
  const std::string id = "checkel-flow", paper = "Gracyk";
  Rng rng(86);
  const int d = 3, n = 5, frames = s.quick ? 200 : 400;
  const double beta = 2.0;
  const Eigen::MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField field = AttentionField::identity(d, {AttentionNormalization::Softmax, beta, 1.0});
  const Trajectory flow = flow_on_grid(field, X0, 2.0, frames, 1e-13, 1e-14);
  std::vector<Row> rows;
  rows.push_back(within(id, paper, "checkEL flow matching along the SA flow (beta = 2)", 0,
                        check_el(FlowMatchingLagrangian{field}, flow).max_residual, 1e-6));
  rows.push_back(within(
      id, paper, "checkEL De Giorgi along the SA flow", 0,
      check_el(DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, beta, d), flow).max_residual,
      1e-6));
  rows.push_back(at_least(id, paper, "checkEL kinetic along the SA flow", 1e-2,
                          check_el(KineticLagrangian{}, flow).max_residual));
  return rows;
}

}  // namespace varsphere::reproduce
