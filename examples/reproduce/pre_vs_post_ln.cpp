// pre-vs-post-ln (GLPR, docs/math.md §2): on an equiangular SA start, Post-LN contracts at the
// exponential rate 1 − ρ ~ e^{−2t} (near ρ = 1 the ρ-ODE is ρ' ≈ 2(1 − ρ)), while Pre-LN, whose
// speed is divided by the growing norm r ≈ t of the unnormalized stream, contracts only
// polynomially, 1 − ρ ~ 1/t² (ρ' ≈ 2(1 − ρ)/t). Both measured on the particle flow.
#include <cmath>
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/solvers/equiangular.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/functionals/attention_field.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

std::vector<Row> pre_vs_post_ln(const Settings& s) {
  const std::string id = "pre-vs-post-ln", paper = "GLPR";
  const int d = 5, n = 4;
  const double beta = 1.0, rho0 = 0.2;
  const AttentionField field = AttentionField::identity(d, {AttentionNormalization::Softmax, beta});
  std::vector<Row> rows;
  for (bool pre : {false, true}) {
    const double T = pre ? (s.quick ? 400.0 : 2000.0) : 12.0;
    FlowOptions o;
    o.scheme = FlowScheme::Dopri5;
    o.rtol = 1e-13;
    o.atol = 1e-15;
    o.dt = pre ? T / 400 : 0.05;
    o.norm = pre ? LayerNormPlacement::Pre : LayerNormPlacement::Post;
    const FlowResult flow = integrate(field, equiangular_configuration(d, n, rho0), 0.0, T, o);
    std::vector<double> x, y, ts, gaps;
    for (std::size_t k = 1; k < flow.trajectory.size(); ++k) {
      const Eigen::MatrixXd& X = flow.trajectory.frames[k];
      const double t = flow.trajectory.times[k];
      // 1 − ρ = ½|x_1 − x_2|², without the cancellation of 1 − ⟨x_1, x_2⟩.
      const double gap = 0.5 * (X.col(0) - X.col(1)).squaredNorm();
      ts.push_back(t);
      gaps.push_back(gap);
      if (t >= T / 2) {  // the asymptotic regime
        x.push_back(pre ? std::log(t) : t);
        y.push_back(std::log(gap));
      }
    }
    const double slope = fit_line(x, y).slope;
    Row row = pre ? within(id, paper, "Pre-LN (SA, n = 4, beta = 1): exponent p in 1 - rho ~ t^p",
                           -2.0, slope, 0.05)
                  : within(id, paper, "Post-LN: rate c in 1 - rho ~ e^{ct}", -2.0, slope, 0.02);
    row.series = Series{"t", pre ? "1 - rho (Pre-LN)" : "1 - rho (Post-LN)", ts, gaps, pre, true};
    rows.push_back(row);
  }
  return rows;
}

}  // namespace varsphere::reproduce
