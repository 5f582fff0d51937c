// The attention models of current research (docs/causal_and_normalization.md, docs/math.md
// §2.2, §2.6–§2.8): causal collapse, simuformer's normalization placements replayed, the
// lost-in-the-middle ALiBi model replayed, Sinkhorn attention and its gradient structure, and the
// Gibbs law of noisy tokens.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/functionals/sinkhorn.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/manifolds/sphere.hpp>
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/equiangular.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

#include <varsphere/testing/kolmogorov_smirnov.hpp>

#include "reproduction.hpp"
#include "research_reference_data.hpp"

namespace varsphere::reproduce {

namespace {

Eigen::MatrixXd points(const std::string& file) { return research_matrix(file).transpose(); }

Eigen::MatrixXd fast_velocity(const AttentionField& f, const Eigen::MatrixXd& X) {
  AttentionWorkspace ws;
  Eigen::MatrixXd V(X.rows(), X.cols());
  f.velocity(0.0, X, V, ws);
  return V;
}

}  // namespace

std::vector<Row> causal_collapse(const Settings& s) {
  const std::string id = "causal-collapse", paper = "KPR";
  const int n = s.quick ? 16 : 64, d = 3;
  Rng rng(11);
  const Eigen::MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField f = AttentionField::identity(
      d, {AttentionNormalization::Softmax, 1.0, 1.0, {AttentionMask::Causal, 0.0, {}}});
  std::vector<Row> rows;
  rows.push_back(within(id, paper, "|velocity of token 1| (it attends only to itself, V = I)", 0,
                        fast_velocity(f, X0).col(0).norm(), 1e-15));
  double leak = 0;
  for (int k = 1; k < n; ++k) {
    Eigen::MatrixXd Y = X0;
    Y.col(k) = product::random_point(rng, d, 1);
    const Eigen::MatrixXd F = fast_velocity(f, X0), G = fast_velocity(f, Y);
    for (int i = 0; i < k; ++i) leak = std::max(leak, (F.col(i) - G.col(i)).cwiseAbs().maxCoeff());
  }
  rows.push_back(within(id, paper, "change of tokens i < k when token k moves (triangular field)", 0,
                        leak, 0.0));
  FlowOptions o;
  o.scheme = FlowScheme::Dopri5;
  o.record = false;
  const double T = 60;
  const FlowResult r = integrate(f, X0, 0.0, T, o);
  double far = 0;
  for (int i = 0; i < n; ++i) {
    far = std::max(far, sphere::distance(r.final_state.col(i), X0.col(0)));
  }
  rows.push_back(within(id, paper, "max_i d(x_i(60), x_1(0)), beta = 1: every token goes to the first", 0,
                        far, 1e-3));
  // Large beta: a metastable stage with several clusters long after beta = 1 has collapsed.
  const AttentionField cold = AttentionField::identity(
      d, {AttentionNormalization::Softmax, 16.0, 1.0, {AttentionMask::Causal, 0.0, {}}});
  const int clusters = count_clusters(integrate(cold, X0, 0.0, 10.0, o).final_state);
  rows.push_back(at_least(id, paper, "clusters at t = 10 for beta = 16 (metastable stage)", 2, clusters));
  return rows;
}

std::vector<Row> simuformer_replay(const Settings&) {
  const std::string id = "simuformer-replay", paper = "KGPR";
  struct Case {
    const char* name;
    LayerNormPlacement norm;
    AttentionMask mask;
    int steps;
  };
  const std::vector<Case> cases = {
      {"sf_postln_causal_n16_d4_beta", LayerNormPlacement::Post, AttentionMask::Causal, 101},
      {"sf_preln_causal_n16_d4_beta", LayerNormPlacement::Pre, AttentionMask::Causal, 30},
      {"sf_periln_n16_d4_beta", LayerNormPlacement::Peri, AttentionMask::None, 101},
      {"sf_ngpt_n16_d4_beta", LayerNormPlacement::NGPT, AttentionMask::None, 300},
  };
  std::vector<Row> rows;
  for (const Case& c : cases) {
    double err = 0, radius_err = 0;
    for (const char* beta : {"1", "4"}) {
      for (const char* b : {"0", "1"}) {
        const std::string dir = std::string(c.name) + beta + "/";
        const Eigen::MatrixXd X0 = points(dir + "x0_b" + b + ".mat");
        const Eigen::MatrixXd BF = research_matrix(dir + "BF_h0_b" + b + ".mat");
        const Eigen::MatrixXd V = research_matrix(dir + "V_h0_b" + b + ".mat").transpose();
        const AttentionField f(4, {{BF, V}},
                               {AttentionNormalization::Softmax, std::stod(beta), 1.0, {c.mask, 0.0, {}}});
        FlowOptions o;
        o.scheme = FlowScheme::SimuformerEuler;
        o.norm = c.norm;
        o.dt = 0.1;
        o.record = false;
        const FlowResult r = integrate(f, X0, 0.0, 0.1 * c.steps, o);
        err = std::max(err, (r.final_state - points(dir + "final_b" + b + ".mat")).cwiseAbs().maxCoeff());
        if (r.radii.size() > 0) {
          const Eigen::VectorXd ref = research_matrix(dir + "r_final_b" + b + ".mat").col(0);
          radius_err = std::max(radius_err, ((r.radii - ref).array() / ref.array()).abs().maxCoeff());
        }
      }
    }
    const std::string label = to_string(c.norm) + (c.mask == AttentionMask::Causal ? " causal" : "");
    rows.push_back(within(id, paper, label + ": max |x - simuformer| after " + std::to_string(c.steps) +
                                         " steps, beta = 1, 4, 2 draws", 0, err, 1e-9));
    if (c.norm == LayerNormPlacement::Pre || c.norm == LayerNormPlacement::Peri) {
      rows.push_back(within(id, paper, label + ": max relative error of the radii r", 0, radius_err, 1e-9));
    }
  }
  return rows;
}

namespace {

// The lost-in-the-middle model on n tokens: USA, V = βI, bias log(n W) with the normalized ALiBi
// prior W_jk ∝ e^{−λ(j−k)/n} over k < j (docs/math.md §2.6).
AttentionField lost_in_the_middle(int n, double lambda, double beta) {
  Eigen::MatrixXd bias = Eigen::MatrixXd::Constant(n, n, -std::numeric_limits<double>::infinity());
  for (int j = 1; j < n; ++j) {
    double z = 0;
    for (int k = 0; k < j; ++k) z += std::exp(-lambda * (j - k) / n);
    for (int k = 0; k < j; ++k) bias(j, k) = std::log(n * std::exp(-lambda * (j - k) / n) / z);
  }
  return AttentionField(2, {{Eigen::MatrixXd::Identity(2, 2), beta * Eigen::MatrixXd::Identity(2, 2)}},
                        {AttentionNormalization::Unnormalized, beta, 1.0,
                         {AttentionMask::StrictCausal, 0.0, bias}});
}

// Retrieval profile R(s) = E |∂x_n(T)/∂θ_s(0)|: how strongly the last token at time T depends on
// the initial angle of source token s, over iid uniform starts (forward differences in θ_s).
std::vector<double> retrieval_profile(const AttentionField& f, int n, double T, int starts,
                                      std::uint64_t seed) {
  Rng rng(seed);
  FlowOptions o;
  o.dt = 0.02;
  o.record = false;
  const double eps = 1e-6;
  std::vector<double> profile(n - 1, 0.0);
  for (int m = 0; m < starts; ++m) {
    Eigen::VectorXd theta(n);
    for (int i = 0; i < n; ++i) theta(i) = 2 * std::numbers::pi * rng.uniform();
    auto tokens = [&](const Eigen::VectorXd& th) {
      Eigen::MatrixXd X(2, n);
      X.row(0) = th.array().cos().transpose();
      X.row(1) = th.array().sin().transpose();
      return X;
    };
    const Eigen::VectorXd last = integrate(f, tokens(theta), 0.0, T, o).final_state.col(n - 1);
    for (int s = 0; s + 1 < n; ++s) {
      Eigen::VectorXd moved = theta;
      moved(s) += eps;
      const Eigen::VectorXd other = integrate(f, tokens(moved), 0.0, T, o).final_state.col(n - 1);
      profile[s] += (other - last).norm() / eps / starts;
    }
  }
  return profile;
}

}  // namespace

std::vector<Row> alibi_circle(const Settings& settings) {
  const std::string id = "alibi-circle", paper = "DGR";
  std::vector<Row> rows;
  for (const char* lam : {"1", "8"}) {
    const std::string dir = std::string("litm_alibi_n16_lam") + lam + "_beta1_clusters_s17/";
    const Eigen::MatrixXd X0 = points(dir + "x0.mat");
    const Eigen::MatrixXd W = research_matrix(dir + "W.mat");
    const double n = static_cast<double>(X0.cols()), beta = 1.0;
    const Eigen::MatrixXd bias = (n * W.array()).log().matrix();
    const AttentionField f(2, {{Eigen::MatrixXd::Identity(2, 2), beta * Eigen::MatrixXd::Identity(2, 2)}},
                           {AttentionNormalization::Unnormalized, beta, 1.0,
                            {AttentionMask::StrictCausal, 0.0, bias}});
    FlowOptions o;
    o.dt = 0.0025;
    o.record = false;
    const FlowResult r = integrate(f, X0, 0.0, 10.0, o);
    rows.push_back(within(id, paper, std::string("lambda = ") + lam +
                                         ": max |x(10) - published RK4 in the angle| (4000 steps)",
                          0, (r.final_state - points(dir + "final.mat")).cwiseAbs().maxCoeff(), 1e-9));
    rows.push_back(within(id, paper, std::string("lambda = ") + lam + ": distance moved by token 1 (no keys; renormalization rounding)",
                          0, (r.final_state.col(0) - X0.col(0)).norm(), 1e-15));
  }
  // Lost in the middle: the retrieval profile is U-shaped (primacy, recency, an interior minimum)
  // for a weak positional bias, and monotone (recency only) for a strong one.
  const int n = 16, starts = settings.quick ? 100 : 800;
  const std::vector<double> weak = retrieval_profile(lost_in_the_middle(n, 1.0, 1.0), n, 1.0, starts, 3);
  const auto low = std::min_element(weak.begin(), weak.end());
  const auto where = low - weak.begin();
  rows.push_back(at_least(id, paper, "lambda = 1, t = 1: R(first source) / min R (primacy), " +
                                         std::to_string(starts) + " uniform starts",
                          1.2, weak.front() / *low));
  rows.push_back(at_least(id, paper, "lambda = 1, t = 1: R(last source) / min R (recency)", 1.2,
                          weak.back() / *low));
  rows.push_back(at_least(id, paper, "lambda = 1: the minimum of R lies inside (source 3..n-2; 1 = yes)",
                          1.0, where >= 2 && where <= n - 3 ? 1.0 : 0.0));
  const std::vector<double> strong = retrieval_profile(lost_in_the_middle(n, 8.0, 1.0), n, 1.0, starts, 3);
  double increasing = 1.0;
  for (std::size_t k = 1; k < strong.size(); ++k) increasing = std::min(increasing, strong[k] > strong[k - 1] ? 1.0 : 0.0);
  rows.push_back(at_least(id, paper, "lambda = 8: R increases with the source position (no interior minimum; 1 = yes)",
                          1.0, increasing));
  return rows;
}

std::vector<Row> sinkhorn_attention(const Settings&) {
  const std::string id = "sinkhorn-attention", paper = "SABP";
  std::vector<Row> rows;
  const std::string dir = "sink_n16_d8_B3_Wrand_beta4_s1/";
  const Eigen::MatrixXd A = research_matrix(dir + "A_h0.mat");
  double err = 0;
  for (const char* b : {"0", "1", "2"}) {
    const Eigen::MatrixXd X = points(dir + "x0_b" + b + ".mat");
    AttentionOptions o{AttentionNormalization::Sinkhorn, 1.0, 1.0};
    o.sinkhorn = {21, 0.0, -2.7725887298583984};  // the code's float32 log(1/16)
    const AttentionField f(8, {{A, Eigen::MatrixXd::Identity(8, 8)}}, o);
    const Eigen::MatrixXd ref = research_matrix(dir + "attn_nit21_h0_b" + b + ".mat");
    err = std::max(err, (f.weights(0.0, X) - ref).cwiseAbs().maxCoeff() / ref.cwiseAbs().maxCoeff());
  }
  rows.push_back(within(id, paper, "Sinkhorn weights vs sinkformers (21 iterations, 3 draws), relative",
                        0, err, 1e-12));
  Rng rng(5);
  const int d = 3, n = 7;
  const Eigen::MatrixXd X = product::random_point(rng, d, n);
  const Eigen::MatrixXd B = rng.normal_matrix(d, d), S = (B + B.transpose()) / 2;
  const SinkhornOptions tight{20000, 1e-15};
  AttentionOptions o{AttentionNormalization::Sinkhorn, 1.3, 1.0};
  o.sinkhorn = tight;
  const Eigen::MatrixXd W = AttentionField(d, {{S, S}}, o).weights(0.0, X);
  rows.push_back(within(id, paper, "max |row sum - 1|, |column sum - 1| of the weights", 0,
                        std::max((W.rowwise().sum().array() - 1).abs().maxCoeff(),
                                 (W.colwise().sum().array() - 1).abs().maxCoeff()),
                        1e-10));
  auto gap = [&](const Eigen::MatrixXd& Am, const Eigen::MatrixXd& Vm) {
    const Eigen::MatrixXd F = fast_velocity(AttentionField(d, {{Am, Vm}}, o), X);
    Eigen::MatrixXd G(d, n);
    const double h = 1e-6;
    for (int k = 0; k < d * n; ++k) {
      Eigen::MatrixXd P = X, M = X;
      P.data()[k] += h;
      M.data()[k] -= h;
      G.data()[k] = (sinkhorn_energy(P, Am, 1.3, tight) - sinkhorn_energy(M, Am, 1.3, tight)) / (2 * h);
    }
    return (F - n * product::tangent_project(X, G)).cwiseAbs().maxCoeff() / F.cwiseAbs().maxCoeff();
  };
  rows.push_back(within(id, paper, "symmetric A = V: |F - n P grad(-OT/(2 beta))| / |F| (gradient flow)", 0,
                        gap(S, S), 1e-6));
  rows.push_back(at_least(id, paper, "non-symmetric A = V: the same gap (not a gradient flow)", 1e-3, gap(B, B)));
  return rows;
}

// Independent pairs (2k, 2k+1), each the two-token USA field with A = V = I on S¹:
// F_i = ½ e^{β<x_i, x_j>} P_{x_i} x_j.
struct PairField {
  double beta;
  void operator()(double, const Eigen::MatrixXd& X, Eigen::MatrixXd& dX) const {
    dX.resize(X.rows(), X.cols());
    for (Eigen::Index k = 0; k + 1 < X.cols(); k += 2) {
      for (auto [i, j] : {std::pair{k, k + 1}, std::pair{k + 1, k}}) {
        const double c = X.col(i).dot(X.col(j));
        dX.col(i) = 0.5 * std::exp(beta * c) * (X.col(j) - c * X.col(i));
      }
    }
  }
};

std::vector<Row> noise_gibbs(const Settings& s) {
  const std::string id = "noise-gibbs", paper = "varsphere";
  const double beta = 1.0, sigma = 1.0;
  const int pairs = s.quick ? 1000 : 4000;
  Rng rng(92);
  const Eigen::MatrixXd X0 = product::random_point(rng, 2, 2 * pairs);
  FlowOptions o;
  o.scheme = FlowScheme::GeodesicEulerMaruyama;
  o.dt = 0.002;
  o.noise_sigma = sigma;
  o.seed = 2024;
  o.record = false;
  const FlowResult r = integrate(PairField{beta}, X0, 0.0, 20.0, o);
  std::vector<double> phi;
  for (int k = 0; k < pairs; ++k) {
    const Eigen::Vector2d a = r.final_state.col(2 * k), b = r.final_state.col(2 * k + 1);
    phi.push_back(std::atan2(a(0) * b(1) - a(1) * b(0), a.dot(b)));
  }
  auto density = [&](double x) { return std::exp(std::exp(beta * std::cos(x)) / (beta * sigma * sigma)); };
  const double ks = testing::ks_distance_to_density(phi, density, -std::numbers::pi, std::numbers::pi);
  std::vector<Row> rows = {within(
      id, paper,
      "KS distance of the relative angle of " + std::to_string(pairs) +
          " noisy USA pairs on S^1 (t = 20) to exp(e^{beta cos phi}/(beta sigma^2)); 1% level",
      0, ks, 1.63 / std::sqrt(double(pairs)))};
  // Weak order: E[cos φ(1)] from one start, steps h = 0.1 .. 0.0125 against h = 0.00125, all on
  // one Brownian grid (coupled runs: the difference has a small variance).
  const int weak_pairs = s.quick ? 2000 : 16000;
  Eigen::MatrixXd start(2, 2 * weak_pairs);
  for (int k = 0; k < weak_pairs; ++k) {
    start.col(2 * k) << 1.0, 0.0;
    start.col(2 * k + 1) << std::cos(2.5), std::sin(2.5);
  }
  auto mean_cos = [&](double h) {
    FlowOptions w;
    w.scheme = FlowScheme::GeodesicEulerMaruyama;
    w.dt = h;
    w.noise_dt = 0.00125;
    w.noise_sigma = sigma;
    w.seed = 77;
    w.record = false;
    const Eigen::MatrixXd X = integrate(PairField{beta}, start, 0.0, 1.0, w).final_state;
    double sum = 0;
    for (int k = 0; k < weak_pairs; ++k) sum += X.col(2 * k).dot(X.col(2 * k + 1));
    return sum / weak_pairs;
  };
  const double reference = mean_cos(0.00125);
  std::vector<double> x, y;
  for (double h : {0.1, 0.05, 0.025, 0.0125}) {
    x.push_back(std::log(h));
    y.push_back(std::log(std::abs(mean_cos(h) - reference)));
  }
  rows.push_back(within(id, paper,
                        "weak order of geodesic Euler-Maruyama: slope of log|E cos phi(1) - ref| vs log h",
                        1.0, fit_line(x, y).slope, 0.3));
  return rows;
}

}  // namespace varsphere::reproduce

namespace varsphere::reproduce {

std::vector<Row> normalization_placements(const Settings& s) {
  const std::string id = "normalization-placements", paper = "KGPR";
  const int d = 5, n = 4;
  const double beta = 1.0, rho0 = 0.2, alpha = 0.5;
  const AttentionField field = AttentionField::identity(d, {AttentionNormalization::Softmax, beta});
  std::vector<Row> rows;
  struct Placement {
    LayerNormPlacement norm;
    bool polynomial;  // 1 − ρ ~ t^p rather than e^{ct}
    double expected;
  };
  for (const Placement& p : {Placement{LayerNormPlacement::Post, false, -2.0},
                             Placement{LayerNormPlacement::Pre, true, -2.0},
                             Placement{LayerNormPlacement::Peri, true, -2.0},
                             Placement{LayerNormPlacement::NGPT, false, -2.0 * alpha}}) {
    const double T = p.polynomial ? (s.quick ? 400.0 : 2000.0) : (p.norm == LayerNormPlacement::NGPT ? 24.0 : 12.0);
    FlowOptions o;
    o.scheme = FlowScheme::Dopri5;
    o.rtol = 1e-13;
    o.atol = 1e-15;
    o.dt = T / 400;
    o.norm = p.norm;
    o.ngpt_alpha = alpha;
    const FlowResult flow = integrate(field, equiangular_configuration(d, n, rho0), 0.0, T, o);
    EquiangularOde ode{AttentionNormalization::Softmax, beta, n, p.norm, alpha};
    const std::vector<double> rho = equiangular_rho(ode, rho0, flow.trajectory.times);
    double err = 0, spread = 0;
    std::vector<double> x, y;
    for (std::size_t k = 0; k < flow.trajectory.size(); ++k) {
      const Eigen::MatrixXd& X = flow.trajectory.frames[k];
      const double t = flow.trajectory.times[k];
      err = std::max(err, std::abs(X.col(0).dot(X.col(1)) - rho[k]));
      spread = std::max(spread, equiangular_spread(X));
      const double gap = 0.5 * (X.col(0) - X.col(1)).squaredNorm();  // 1 − ρ without cancellation
      if (t >= T / 2) {
        x.push_back(p.polynomial ? std::log(t) : t);
        y.push_back(std::log(gap));
      }
    }
    const std::string name = to_string(p.norm) + "-LN";
    rows.push_back(within(id, paper, name + ": max |rho(particles) - rho(scalar ODE)|, SA, n = 4", 0,
                          std::max(err, spread), 1e-10));
    rows.push_back(within(id, paper,
                          name + (p.polynomial ? ": exponent p in 1 - rho ~ t^p"
                                               : ": rate c in 1 - rho ~ e^{ct}" +
                                                     std::string(p.norm == LayerNormPlacement::NGPT
                                                                     ? " (alpha = 0.5: -2 alpha)"
                                                                     : "")),
                          p.expected, fit_line(x, y).slope, p.polynomial ? 0.05 : 0.02));
  }
  return rows;
}

}  // namespace varsphere::reproduce
