// equiangular (GLPR, docs/math.md §2 item 4): an equiangular start stays equiangular and its inner
// product follows the scalar ρ-ODE, for SA and USA; the particle flow and the ODE agree to 1e-10.
#include <varsphere/solvers/equiangular.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/functionals/attention_field.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

std::vector<Row> equiangular(const Settings& s) {
  const std::string id = "equiangular", paper = "GLPR";
  const int d = 8, n = 6;
  const double rho0 = 0.1, T = s.quick ? 4.0 : 10.0;
  std::vector<Row> rows;
  for (auto weights : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
    double spread = 0, error = 0;
    for (double beta : {0.0, 1.0, 4.0}) {
      const AttentionField field = AttentionField::identity(d, {weights, beta, 1.0});
      const FlowResult flow = integrate(field, equiangular_configuration(d, n, rho0), 0.0, T, [&] {
        FlowOptions o;
        o.scheme = FlowScheme::Dopri5;
        o.rtol = 1e-13;
        o.atol = 1e-14;
        o.dt = 0.25;
        return o;
      }());
      const std::vector<double> rho =
          equiangular_rho({weights, beta, n}, rho0, flow.trajectory.times);
      for (std::size_t k = 0; k < flow.trajectory.size(); ++k) {
        const Eigen::MatrixXd G = flow.trajectory.frames[k].transpose() * flow.trajectory.frames[k];
        spread = std::max(spread, equiangular_spread(flow.trajectory.frames[k]));
        error = std::max(error, std::abs(G(0, 1) - rho[k]));
      }
    }
    const std::string model = weights == AttentionNormalization::Softmax ? "SA" : "USA";
    rows.push_back(within(id, paper,
                          model + " (n = 6, beta = 0, 1, 4): spread of <x_i, x_j>, i != j", 0,
                          spread, 1e-12));
    rows.push_back(within(id, paper, model + ": max |rho_particles - rho_ODE|", 0, error, 1e-10));
  }
  return rows;
}

}  // namespace varsphere::reproduce
