// clustering-d3 (GLPR, docs/math.md §2 item 1): in d = 3, from random starts, SA and USA flows with
// Q = K = V = I end in a single cluster and the energy rises to its maximum e^β/(2β).
#include <cmath>
#include <sstream>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

std::vector<Row> clustering_d3(const Settings& s) {
  const std::string id = "clustering-d3", paper = "GLPR";
  const int d = 3, n = 16, seeds = s.quick ? 4 : 16;
  const std::vector<double> betas =
      s.quick ? std::vector<double>{0.5, 1, 2} : std::vector<double>{0.25, 0.5, 1, 2, 4};
  std::vector<Row> rows;
  for (auto weights : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
    const std::string model = weights == AttentionNormalization::Softmax ? "SA" : "USA";
    for (double beta : betas) {
      const AttentionField field = AttentionField::identity(d, {weights, beta, 1.0});
      // Metastable multi-cluster states last for times growing like e^{cβ} (GLPR): the horizon
      // grows with β so that the theorem's limit, not a metastable state, is observed.
      const double T = 50.0 * std::exp(beta);
      FlowOptions o;
      o.scheme = FlowScheme::Dopri5;
      o.rtol = 1e-10;
      o.atol = 1e-12;
      o.record = false;
      int single = 0;
      double worst_gap = 0;
      const double maximum = std::exp(beta) / (2 * beta);
      for (int seed = 0; seed < seeds; ++seed) {
        Rng rng(1000 + seed);
        const FlowResult r = integrate(field, product::random_point(rng, d, n), 0.0, T, o);
        single += count_clusters(r.final_state) == 1;
        const double E = attention_energy(r.final_state, Eigen::MatrixXd::Identity(d, d), beta);
        worst_gap = std::max(worst_gap, std::abs(E - maximum) / maximum);
      }
      std::ostringstream label;
      label << model << " beta = " << beta << ", n = 16, T = 50 e^beta: ";
      rows.push_back(
          within(id, paper,
                 label.str() + "starts ending in one cluster (of " + std::to_string(seeds) + ")",
                 seeds, single, 0));
      rows.push_back(within(id, paper, label.str() + "max |E(X_T) - e^b/(2b)| / (e^b/(2b))", 0,
                            worst_gap, 1e-6));
    }
  }
  return rows;
}

}  // namespace varsphere::reproduce
