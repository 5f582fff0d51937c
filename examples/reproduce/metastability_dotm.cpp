// metastability-dotm (GLPR "Dynamic metastability", docs/math.md §2 item 5): the published 5-token
// SA case on the circle with β = 4 (HugoKoubbi/2024-transformers-dotm, kinetic.py, its fixed
// start): the clusters merge at t ≈ 1.27, 2.41, 5.20 and — after a long metastable two-cluster
// phase — 328.4, the merge times of the continuous ODE in the published data. The energy is a
// staircase that never decreases and ends at e^β/(2β).
#include <cmath>
#include <varsphere/solvers/flow_diagnostics.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/core/configuration.hpp>
#include <varsphere/functionals/attention_field.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

std::vector<Row> metastability_dotm(const Settings&) {
  const std::string id = "metastability-dotm", paper = "GLPR";
  Eigen::MatrixXd X0(2, 5);  // the published start (x0.mat of the case)
  X0 << 0.99806638, 0.97712061, -0.24578194, -0.97354734, -0.99892629,  //
      0.06215705, 0.21268594, 0.96932515, 0.22848540, -0.04632772;
  const double beta = 4.0;
  const AttentionField field = AttentionField::identity(2, {AttentionNormalization::Softmax, beta});
  FlowOptions o;
  o.scheme = FlowScheme::Dopri5;
  o.rtol = 1e-11;
  o.atol = 1e-12;
  o.dt = 0.005;
  const FlowResult flow = integrate(field, normalize_columns(X0), 0.0, 400.0, o);
  const auto diagnostics = diagnose(flow.trajectory, Eigen::MatrixXd::Identity(2, 2), beta);
  const std::vector<double> merges = merge_times(diagnostics);
  const std::vector<double> published = {1.27, 2.41, 5.20, 328.37};
  std::vector<Row> rows;
  rows.push_back(
      within(id, paper, "number of merges (5 tokens -> 1 cluster)", 4, double(merges.size()), 0));
  for (std::size_t k = 0; k < published.size() && k < merges.size(); ++k) {
    rows.push_back(within(
        id, paper,
        "merge time " + std::to_string(k + 1) + " (5 -> " + std::to_string(4 - k) + " clusters)",
        published[k], merges[k], k < 3 ? 0.05 : 0.5));
  }
  double drop = 0;
  std::vector<double> t, E;
  for (std::size_t k = 0; k < diagnostics.size(); ++k) {
    if (k > 0) drop = std::max(drop, diagnostics[k - 1].energy - diagnostics[k].energy);
    if (k % 20 == 0) t.push_back(diagnostics[k].t), E.push_back(diagnostics[k].energy);
  }
  rows.push_back(within(id, paper, "largest energy decrease between frames (monotone)", 0,
                        std::max(drop, 0.0), 1e-12));
  Row last = within(id, paper, "final energy vs e^b/(2b)", std::exp(beta) / (2 * beta),
                    diagnostics.back().energy, 1e-9);
  last.series = Series{"t", "energy E_beta", t, E, true, false};
  rows.push_back(last);
  return rows;
}

}  // namespace varsphere::reproduce
