// Minimizing densities of E_D on S¹ (BKKRW, docs/math.md §4), as grid measures minimized by mirror
// descent. For D = diag(1, 1 + ε) the minimizer is ∝ exp(f cos 2θ) with, to first order,
// f = ε I₁(1)/(2 I₂(1)): linearizing δE/δμ = const around the uniform density, the kernel maps
// cos 2θ to I₂(1) cos 2θ and the ε-term adds ε I₁(1) sin²θ = ε I₁(1)(1 − cos 2θ)/2.
// f is the slope of log w_k against cos 2θ_k (least squares; cos 4θ and higher harmonics are
// orthogonal to it on the grid, so the O(ε²) shape corrections do not bias it).
#include <cmath>
#include <sstream>
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/functionals/interaction_energy.hpp>
#include <varsphere/solvers/mirror_descent.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

std::vector<Row> density_s1(const Settings& s) {
  const std::string id = "density-s1", paper = "BKKRW";
  std::vector<Row> rows;
  const Eigen::Index N = s.quick ? 64 : 128;
  const DiscreteMeasure grid = circle_grid_measure(N);
  const Eigen::VectorXd theta = circle_grid_angles(N);
  std::vector<double> cos2(theta.size());
  for (Eigen::Index k = 0; k < theta.size(); ++k) cos2[k] = std::cos(2 * theta(k));

  // D = I: mirror descent from a smooth non-uniform start returns to the uniform measure, whose
  // energy is I₀(1) (the trapezoidal rule is exact to rounding for this kernel). The start is
  // smooth because the kernel is: the frequency-m part of log w decays like (1 − 2ηI_m(1))^k, so
  // rough starts keep their roughness for a very long time while the energy no longer sees it.
  {
    DiscreteMeasure start = grid;
    for (Eigen::Index k = 0; k < N; ++k)
      start.weights(k) = std::exp(0.5 * std::cos(theta(k)) + 0.3 * std::sin(2 * theta(k)) +
                                  0.2 * cos(3 * theta(k)));
    start.weights /= start.weights.sum();
    const MirrorDescentResult r = mirror_descent(InteractionEnergy(Eigen::MatrixXd::Identity(2, 2)),
                                                 start, Extremum::Descent);
    rows.push_back(within(id, paper,
                          "D = I: mirror descent from a smooth start, E (N = " + std::to_string(N) +
                              " grid) = I_0(1)",
                          std::cyl_bessel_i(0.0, 1.0), r.value, 1e-9));
    rows.push_back(within(id, paper, "D = I: max |N w_k - 1| (the uniform measure)", 0,
                          (r.weights.array() * double(N) - 1).abs().maxCoeff(), 1e-4));
  }

  const double predicted = std::cyl_bessel_i(1.0, 1.0) / (2 * std::cyl_bessel_i(2.0, 1.0));
  const std::vector<double> epsilons = s.quick ? std::vector<double>{0.04, 0.02, 0.01}
                                               : std::vector<double>{0.1, 0.05, 0.02, 0.01, 0.005};
  // Step 1 instead of the monotone 1/(2 max K) ≈ 0.17: the linearized iteration contracts the
  // frequency-m part of log w by 1 − 2ηI_m(1), stable for η < 1/I_1(1) ≈ 1.77, and 6× faster.
  MirrorDescentOptions options;
  options.step = 1.0;
  std::vector<double> ratios;
  double worst_gap = 0, worst_residual = 0, worst_shape = 0;
  for (std::size_t e = 0; e < epsilons.size(); ++e) {
    const double eps = epsilons[e];
    Eigen::MatrixXd D = Eigen::MatrixXd::Identity(2, 2);
    D(1, 1) = 1 + eps;
    const InteractionEnergy E(D);
    const MirrorDescentResult r = mirror_descent(E, grid, Extremum::Descent, options);
    if (!r.converged) throw Error("density-s1: mirror descent did not converge");
    std::vector<double> log_w(N);
    for (Eigen::Index k = 0; k < N; ++k) log_w[k] = std::log(r.weights(k));
    const LineFit fit = fit_line(cos2, log_w);
    ratios.push_back(fit.slope / eps);
    worst_gap = std::max(worst_gap, r.gap);
    worst_residual =
        std::max(worst_residual, E.stationarity_residual(DiscreteMeasure{grid.support, r.weights}));
    worst_shape = std::max(worst_shape, fit.max_deviation / (eps * eps));
    if (e + 1 == epsilons.size()) {
      // The density ρ(θ) = w_k N/(2π) at the smallest ε, for the plot.
      Row shape = within(
          id, paper,
          "eps = " + std::to_string(eps).substr(0, 5) + ": f/eps of the fitted exp(f cos 2theta)",
          predicted, fit.slope / eps, 0.02 * predicted);
      Series density{"theta", "minimizing density rho(theta)", {}, {}, false, false};
      for (Eigen::Index k = 0; k < N; ++k) {
        density.x.push_back(theta(k));
        density.y.push_back(r.weights(k) * double(N) / (2 * std::numbers::pi));
      }
      shape.series = density;
      rows.push_back(shape);
    }
  }
  // f/ε is affine in ε to first order: extrapolate the two smallest ε to ε → 0.
  const std::size_t m = epsilons.size();
  const double limit = (ratios[m - 1] * epsilons[m - 2] - ratios[m - 2] * epsilons[m - 1]) /
                       (epsilons[m - 2] - epsilons[m - 1]);
  Row extrapolated = within(id, paper, "f/eps extrapolated to eps -> 0 (I_1(1)/(2 I_2(1)))",
                            predicted, limit, 0.02 * predicted);
  extrapolated.series = Series{"eps", "f/eps", epsilons, ratios, true, false};
  rows.push_back(extrapolated);
  rows.push_back(
      within(id, paper, "largest Frank-Wolfe gap of the minimizers", 0, worst_gap, 1e-10));
  rows.push_back(
      within(id, paper, "largest stationarity residual on the support", 0, worst_residual, 1e-8));
  std::ostringstream shape;
  shape << "max |log rho - (c + f cos 2theta)| / eps^2 over eps (shape is exp(f cos 2theta) + "
           "O(eps^2))";
  rows.push_back(within(id, paper, shape.str(), 0, worst_shape, 0.2));
  return rows;
}

}  // namespace varsphere::reproduce
