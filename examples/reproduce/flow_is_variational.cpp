// flow-is-variational-usa / -sa / flow-matching-general (docs/math.md §3): between the endpoints of an
// attention flow, the BVP minimizer of the De Giorgi Lagrangian (gradient structure, A = V = I)
// or of the flow-matching Lagrangian (any A, V) is the flow itself up to O(h²), and for De Giorgi
// the minimal action equals the energy gain E(X_T) − E(X_0) up to O(h²).
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/de_giorgi_lagrangian.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/path_comparison.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

namespace {

struct Sweep {
  std::vector<double> Ks, sup, gap;
  int converged = 0;
};

// Solves the BVP between the flow's ends for K = 16, 32, ... and measures the sup distance to
// the flow and |action − energy gain|.
template <class L>
Sweep sweep(const L& lagrangian, const AttentionField& field, const Eigen::MatrixXd& X0, double T,
            int finest, double beta) {
  Sweep out;
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(X0.rows(), X0.rows());
  for (int K = 16; K <= finest; K *= 2) {
    const Trajectory flow = flow_on_grid(field, X0, T, K, 1e-13, 1e-14);
    const BvpResult r = solve_bvp(lagrangian, X0, flow.frames.back(), T, K);
    out.converged += r.converged;
    out.Ks.push_back(K);
    out.sup.push_back(compare_paths(r.path, flow).sup_distance);
    out.gap.push_back(std::abs(r.action - (attention_energy(flow.frames.back(), I, beta) -
                                           attention_energy(X0, I, beta))));
  }
  return out;
}

std::vector<Row> de_giorgi(const std::string& id, AttentionNormalization weights, const Settings& s) {
  const std::string paper = "Gracyk/GLPR";
  const int d = 3, n = 6;
  const double T = 2.0, beta = 1.0;
  Rng rng(weights == AttentionNormalization::Softmax ? 83 : 84);
  const Eigen::MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField field = AttentionField::identity(d, {weights, beta, 1.0});
  const DeGiorgiLagrangian L = DeGiorgiLagrangian::identity(weights, beta, d);
  const Sweep w = sweep(L, field, X0, T, s.quick ? 32 : 128, beta);
  std::vector<Row> rows;
  rows.push_back(within(id, paper, "BVP solves converged (of " + std::to_string(w.Ks.size()) + ")",
                        double(w.Ks.size()), w.converged, 0));
  rows.push_back(within(id, paper,
                        "sup distance optimal path - flow at K = " +
                            std::to_string(int(w.Ks.back())) + " (n = 6, d = 3, T = 2)",
                        0, w.sup.back(), 1e-3));
  Row order =
      within(id, paper, "order of the sup distance in h", 2.0, fitted_order(w.Ks, w.sup), 0.3);
  order.series = Series{"K", "sup distance optimal path - flow", w.Ks, w.sup};
  rows.push_back(order);
  Row gap = within(id, paper, "order of |action - (E(X_T) - E(X_0))| in h", 2.0,
                   fitted_order(w.Ks, w.gap), 0.3);
  gap.series = Series{"K", "|action - energy gain|", w.Ks, w.gap};
  rows.push_back(gap);
  return rows;
}

}  // namespace

std::vector<Row> flow_is_variational_usa(const Settings& s) {
  return de_giorgi("flow-is-variational-usa", AttentionNormalization::Unnormalized, s);
}

std::vector<Row> flow_is_variational_sa(const Settings& s) {
  return de_giorgi("flow-is-variational-sa", AttentionNormalization::Softmax, s);
}

std::vector<Row> flow_matching_general(const Settings& s) {
  const std::string id = "flow-matching-general", paper = "Gracyk";
  Rng rng(85);
  const int d = 3, n = 5;
  const double T = 1.5;
  const Eigen::MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField field(d, {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)}},
                             {AttentionNormalization::Softmax, 1.0, 1.0});
  const Sweep w = sweep(FlowMatchingLagrangian{field}, field, X0, T, s.quick ? 32 : 128, 1.0);
  std::vector<Row> rows;
  rows.push_back(within(id, paper, "BVP solves converged (of " + std::to_string(w.Ks.size()) + ")",
                        double(w.Ks.size()), w.converged, 0));
  Row order = within(id, paper, "random A, V (n = 5, d = 3): order of the sup distance to the flow",
                     2.0, fitted_order(w.Ks, w.sup), 0.3);
  order.series = Series{"K", "sup distance optimal path - flow", w.Ks, w.sup};
  rows.push_back(order);
  rows.push_back(within(id, paper, "sup distance at the finest K", 0, w.sup.back(), 2e-3));
  return rows;
}

}  // namespace varsphere::reproduce
