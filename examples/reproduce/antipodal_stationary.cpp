// antipodal-stationary (GLPR, docs/math.md §2 item 2): the pair (x, −x) is a stationary point of the
// SA and USA flows for every β: P_x(w₁x − w₂x) = 0, including at β = 100 where the softmax must be
// stabilized to be evaluated at all.
#include <varsphere/core/random.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/manifolds/sphere.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

std::vector<Row> antipodal_stationary(const Settings&) {
  const std::string id = "antipodal-stationary", paper = "GLPR";
  Rng rng(7);
  std::vector<Row> rows;
  for (auto weights : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
    double speed = 0, moved = 0;
    for (int d : {2, 3, 16}) {
      const Eigen::VectorXd x = sphere::random_point(rng, d);
      Eigen::MatrixXd X(d, 2);
      X << x, -x;
      for (double beta : {0.0, 1.0, 10.0, 100.0}) {
        if (weights == AttentionNormalization::Unnormalized && beta > 10) continue;  // e^100 overflows
        const AttentionField field = AttentionField::identity(d, {weights, beta, 1.0});
        // Rounding scales with the size of the attention output D = Σ_j w_ij x_j (e^β/n for USA),
        // so both measurements are relative to it.
        Eigen::MatrixXd D, F;
        field.unprojected_velocity(0.0, X, D);
        field(0.0, X, F);
        const double scale = std::max(1.0, D.cwiseAbs().maxCoeff());
        speed = std::max(speed, F.cwiseAbs().maxCoeff() / scale);
        FlowOptions o;
        o.record = false;
        const double T = 10.0;
        moved = std::max(
            moved, product::distance(integrate(field, X, 0.0, T, o).final_state, X) / (T * scale));
      }
    }
    const std::string model = weights == AttentionNormalization::Softmax ? "SA" : "USA";
    rows.push_back(within(
        id, paper, model + ": max |velocity| / |attention output| at (x, -x), d = 2, 3, 16, beta = 0..100", 0,
        speed, 1e-14));
    rows.push_back(
        within(id, paper, model + ": distance moved by t = 10 / (10 |attention output|)", 0, moved, 1e-14));
  }
  return rows;
}

}  // namespace varsphere::reproduce
