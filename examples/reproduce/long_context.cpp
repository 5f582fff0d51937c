// long-context (GLPR, docs/math.md §2 item 6): one self-attention layer (Q = K = V = I, output
// y_i = Σ_j softmax_j(β⟨x_i, x_j⟩) x_j, normalized) on n equiangular tokens ⟨x_i, x_j⟩ = ρ with
// β = γ log n. With a = e^β and b = e^{βρ} the output is y_i ∝ (a − b) x_i + b Σ_j x_j; as n → ∞
// the output inner product tends to 1 if γ < 1/(1−ρ) (the mean dominates), to 4ρ/(1+3ρ) at
// γ = 1/(1−ρ) (self and mean balance: y_i ∝ x_i + x̄), and to ρ if γ > 1/(1−ρ).
// The layer computed by the library on n tokens is checked against that closed form, which then
// gives the limits at n = 10^12, far beyond what fits in memory.
#include <cmath>
#include <sstream>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/solvers/equiangular.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

namespace {
// Inner product of two outputs of the layer on the equiangular configuration, in closed form;
// the weights are scaled by e^{−β max(1, ρ)} so that nothing overflows.
double closed_form(double n, double rho, double beta) {
  const double self = 1.0, other = std::exp(beta * (rho - 1));  // e^{β(ρ−1)}
  const double c = self - other;                                // coefficient of x_i
  const double xs = 1 + (n - 1) * rho;                          // ⟨x_i, Σ x⟩
  const double ss = n + n * (n - 1) * rho;                      // |Σ x|²
  const double cross = c * c * rho + 2 * c * other * xs + other * other * ss;
  const double square = c * c + 2 * c * other * xs + other * other * ss;
  return cross / square;
}
}  // namespace

std::vector<Row> long_context(const Settings& s) {
  const std::string id = "long-context", paper = "GLPR";
  const double rho = 0.5, critical = 1 / (1 - rho);
  const int n = s.quick ? 128 : 512;
  std::vector<Row> rows;
  // The library's layer on actual tokens against the closed form.
  double worst = 0;
  for (double gamma : {0.5 * critical, critical, 2 * critical}) {
    const double beta = gamma * std::log(double(n));
    const Eigen::MatrixXd X = equiangular_configuration(n, n, rho);
    const AttentionField layer = AttentionField::identity(n, {AttentionNormalization::Softmax, beta});
    AttentionWorkspace ws;
    Eigen::MatrixXd Y(n, n);
    layer.unprojected_velocity(0.0, X, Y, ws);
    const double measured = Y.col(0).dot(Y.col(1)) / (Y.col(0).norm() * Y.col(1).norm());
    worst = std::max(worst, std::abs(measured - closed_form(n, rho, beta)));
  }
  std::ostringstream q;
  q << "layer on n = " << n << " tokens vs the closed form (rho = 0.5, three gammas)";
  rows.push_back(within(id, paper, q.str(), 0, worst, 1e-12));
  const std::vector<std::pair<double, double>> cases = {
      {0.5 * critical, 1.0}, {critical, 4 * rho / (1 + 3 * rho)}, {2 * critical, rho}};
  const char* names[] = {"gamma = 1/(2(1-rho))", "gamma = 1/(1-rho)", "gamma = 2/(1-rho)"};
  for (std::size_t c = 0; c < cases.size(); ++c) {
    std::vector<double> ns, values;
    for (double m = 1e2; m <= 1e12; m *= 10) {
      ns.push_back(m);
      values.push_back(closed_form(m, rho, cases[c].first * std::log(m)));
    }
    Row row =
        within(id, paper, std::string(names[c]) + ": output inner product at n = 1e12 (rho = 0.5)",
               cases[c].second, values.back(), 1e-4);
    row.series =
        Series{"n", std::string("output inner product, ") + names[c], ns, values, true, false};
    rows.push_back(row);
  }
  return rows;
}

}  // namespace varsphere::reproduce
