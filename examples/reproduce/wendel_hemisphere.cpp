// wendel-hemisphere (GLPR, docs/math.md §2 item 3): (a) the Monte Carlo frequency of n uniform points
// on S^{d−1} lying in an open hemisphere matches Wendel's formula within 3 standard errors;
// (b) from a hemisphere start the flow collapses exponentially fast. Near a cluster the flow
// linearizes to dε_i/dt = −c(ε_i − ε̄), with c = 1 for SA (the softmax weights become uniform)
// and c = e^β for USA, so the diameter decays like e^{−ct}.
#include <cmath>
#include <sstream>
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/hemisphere.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/manifolds/sphere.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

namespace {
double diameter(const Eigen::MatrixXd& X) {
  double worst = 0;
  for (Eigen::Index i = 0; i < X.cols(); ++i)
    for (Eigen::Index j = i + 1; j < X.cols(); ++j)
      worst = std::max(worst, sphere::distance(X.col(i), X.col(j)));
  return worst;
}
}  // namespace

std::vector<Row> wendel_hemisphere(const Settings& s) {
  const std::string id = "wendel-hemisphere", paper = "GLPR";
  const int samples = s.quick ? 20000 : 200000;
  Rng rng(31);
  std::vector<Row> rows;
  for (auto [d, n] : std::vector<std::pair<int, int>>{{2, 4}, {3, 5}, {3, 8}}) {
    int inside = 0;
    for (int k = 0; k < samples; ++k)
      inside += in_open_hemisphere(product::random_point(rng, d, n));
    const double p = wendel_probability(n, d);
    std::ostringstream q;
    q << "P(" << n << " uniform points on S^" << d - 1 << " in an open hemisphere), N = " << samples
      << " (tolerance 3 sigma)";
    rows.push_back(within(id, paper, q.str(), p, double(inside) / samples,
                          3 * std::sqrt(p * (1 - p) / samples)));
  }
  // Exponential collapse from a start in the upper hemisphere.
  const int d = 3, n = 12;
  const double beta = 1.0;
  Eigen::MatrixXd X0 = product::random_point(rng, d, n);
  for (Eigen::Index i = 0; i < n; ++i) X0(2, i) = std::abs(X0(2, i));
  for (auto weights : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
    const bool sa = weights == AttentionNormalization::Softmax;
    const AttentionField field = AttentionField::identity(d, {weights, beta, 1.0});
    FlowOptions o;
    o.scheme = FlowScheme::Dopri5;
    o.rtol = 1e-12;
    o.atol = 1e-14;
    o.dt = sa ? 0.25 : 0.25 / std::exp(beta);
    const FlowResult flow = integrate(field, X0, 0.0, sa ? 30.0 : 30.0 / std::exp(beta), o);
    std::vector<double> t, log_diameter, shown_t, shown_d;
    for (std::size_t k = 0; k < flow.trajectory.size(); ++k) {
      const double diam = diameter(flow.trajectory.frames[k]);
      shown_t.push_back(flow.trajectory.times[k]);
      shown_d.push_back(diam);
      if (diam < 1e-3 && diam > 1e-9) {  // the linear regime, above rounding
        t.push_back(flow.trajectory.times[k]);
        log_diameter.push_back(std::log(diam));
      }
    }
    const double rate = t.size() >= 3 ? -fit_line(t, log_diameter).slope : 0.0;
    const double expected = sa ? 1.0 : std::exp(beta);
    Row row = within(id, paper,
                     std::string(sa ? "SA" : "USA") +
                         " hemisphere start (n = 12, beta = 1): decay rate of the diameter",
                     expected, rate, 0.02 * expected);
    row.series = Series{"t", "diameter (max pairwise distance)", shown_t, shown_d, false, true};
    rows.push_back(row);
  }
  return rows;
}

}  // namespace varsphere::reproduce
