// Fitting attention flows to observed paths (docs/math.md §7): the derivatives against finite
// differences, recovery of known (A, V) at the predicted rates (O(h²) for the path-optimality loss,
// σ/√N with noise), trajectory matching from the identity, gauges and flat directions, bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/core/linear_fit.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_parameter_jacobian.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/attention_fit.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

using namespace varsphere;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// Random heads A = β0 G/√d + I-ish, V = I + G'/√d: a clustering flow that is not the identity's.
std::vector<AttentionHead> random_heads(Rng& rng, Eigen::Index d, int H) {
  std::vector<AttentionHead> heads;
  for (int h = 0; h < H; ++h) {
    heads.push_back({MatrixXd::Identity(d, d) + rng.normal_matrix(d, d) / std::sqrt(double(d)),
                     MatrixXd::Identity(d, d) + 0.5 * rng.normal_matrix(d, d) / std::sqrt(double(d))});
  }
  return heads;
}

// N flows of n tokens from random starts, observed every h on [0, T] (dopri5 to 1e-12).
std::vector<Trajectory> observed(const AttentionField& field, Eigen::Index d, int N, int n, double T,
                                 double h, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<Trajectory> out;
  const int K = static_cast<int>(std::lround(T / h));
  for (int p = 0; p < N; ++p) {
    const MatrixXd X0 = product::random_point(rng, d, n);
    out.push_back(flow_on_grid(field, X0, T, K, 1e-12, 1e-13));
  }
  return out;
}

// Parameter error up to the order of the heads (the one discrete symmetry of the family).
double head_error(const AttentionFamily& fam, const VectorXd& theta, const std::vector<AttentionHead>& truth) {
  const std::vector<AttentionHead> fitted = fam.heads_at(theta, 0.0);
  std::vector<int> order(truth.size());
  for (std::size_t h = 0; h < order.size(); ++h) order[h] = static_cast<int>(h);
  double best = 1e300;
  do {
    double e = 0;
    for (std::size_t h = 0; h < truth.size(); ++h) {
      e = std::max({e, (fitted[order[h]].A - truth[h].A).cwiseAbs().maxCoeff(),
                    (fitted[order[h]].V - truth[h].V).cwiseAbs().maxCoeff()});
    }
    best = std::min(best, e);
  } while (std::next_permutation(order.begin(), order.end()));
  return best;
}

double slope(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> lx, ly;
  for (std::size_t i = 0; i < x.size(); ++i) {
    lx.push_back(std::log(x[i]));
    ly.push_back(std::log(y[i]));
  }
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < lx.size(); ++i) {
    mx += lx[i] / lx.size();
    my += ly[i] / ly.size();
  }
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < lx.size(); ++i) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) * (lx[i] - mx);
  }
  return sxy / sxx;
}

}  // namespace

TEST_CASE("attention parameter derivatives and family maps equal central differences") {
  Rng rng(301);
  const Eigen::Index d = 4;
  const MatrixXd X = product::random_point(rng, d, 5);
  for (auto norm : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
    const std::vector<AttentionHead> heads = random_heads(rng, d, 2);
    const AttentionField field(d, heads, {norm, 0.7, -1.0});
    const AttentionParameterJacobian J = attention_parameter_jacobian(field, 0.0, X);
    double worst = 0;
    for (std::size_t h = 0; h < 2; ++h) {
      for (int which = 0; which < 2; ++which) {
        for (Eigen::Index j = 0; j < d * d; ++j) {
          auto perturbed = [&](double e) {
            std::vector<AttentionHead> p = heads;
            (which == 0 ? p[h].A : p[h].V)(j % d, j / d) += e;
            MatrixXd F;
            AttentionField(d, p, {norm, 0.7, -1.0})(0.0, X, F);
            return F;
          };
          const MatrixXd fd = (perturbed(1e-6) - perturbed(-1e-6)) / 2e-6;
          const MatrixXd& analytic = which == 0 ? J.A[h] : J.V[h];
          worst = std::max(worst, (Eigen::Map<const VectorXd>(fd.data(), fd.size()) - analytic.col(j)).cwiseAbs().maxCoeff());
        }
      }
    }
    CHECK(worst <= 1e-8);
  }
  // Family maps: A and V of a head as functions of its numbers.
  for (ScoreFamily s : {ScoreFamily::Full, ScoreFamily::Symmetric, ScoreFamily::LowRank, ScoreFamily::Scalar}) {
    for (ValueFamily v : {ValueFamily::Full, ValueFamily::Symmetric, ValueFamily::Tied, ValueFamily::Identity}) {
      AttentionFamily fam;
      fam.d = d;
      fam.score = s;
      fam.value = v;
      fam.rank = 2;
      const VectorXd u = rng.normal_vector(fam.head_size());
      MatrixXd dA, dV;
      fam.head_jacobians(u, dA, dV);
      double worst = 0;
      for (Eigen::Index j = 0; j < u.size(); ++j) {
        VectorXd up = u, down = u;
        up(j) += 1e-6;
        down(j) -= 1e-6;
        const AttentionHead a = fam.head_of(up), b = fam.head_of(down);
        const MatrixXd gA = (a.A - b.A) / 2e-6, gV = (a.V - b.V) / 2e-6;
        worst = std::max({worst, (Eigen::Map<const VectorXd>(gA.data(), d * d) - dA.col(j)).cwiseAbs().maxCoeff(),
                          (Eigen::Map<const VectorXd>(gV.data(), d * d) - dV.col(j)).cwiseAbs().maxCoeff()});
      }
      CHECK(worst <= 1e-8);
      // parameters_of inverts head_of (low rank: A itself).
      const AttentionHead head = fam.head_of(u);
      const AttentionHead back = fam.head_of(fam.parameters_of({head}));
      CHECK((back.A - head.A).cwiseAbs().maxCoeff() <= 1e-10);
      CHECK((back.V - head.V).cwiseAbs().maxCoeff() <= 1e-10);
    }
  }
}

TEST_CASE("the fit's Jacobians, through the RK4 steps too, equal central differences") {
  Rng rng(302);
  const Eigen::Index d = 3;
  const std::vector<AttentionHead> heads = random_heads(rng, d, 1);
  const AttentionField field(d, heads, {AttentionNormalization::Softmax, 1.0});
  std::vector<Trajectory> paths = observed(field, d, 2, 4, 1.0, 0.25, 7);
  AttentionFamily fam;
  fam.d = d;
  fam.time = TimeDependence::Smooth;  // every block enters every residual
  fam.blocks = 2;
  const VectorXd theta = fam.identity_parameters(1.0, 0.2, 3);
  for (FitLoss loss : {FitLoss::PathOptimality, FitLoss::TrajectoryMatching}) {
    MatrixXd J;
    fit_residuals(paths, fam, theta, loss, 0.1, &J);
    double worst = 0, size = 0;
    for (Eigen::Index j = 0; j < theta.size(); ++j) {
      VectorXd up = theta, down = theta;
      up(j) += 1e-6;
      down(j) -= 1e-6;
      const VectorXd fd = (fit_residuals(paths, fam, up, loss, 0.1) - fit_residuals(paths, fam, down, loss, 0.1)) / 2e-6;
      worst = std::max(worst, (fd - J.col(j)).cwiseAbs().maxCoeff());
      size = std::max(size, J.col(j).cwiseAbs().maxCoeff());
    }
    MESSAGE(to_string(loss) << ": Jacobian max " << size << ", error " << worst);
    CHECK(worst <= 1e-7 * size);
  }
}

TEST_CASE("the path-optimality fit recovers (A, V) with error O(h^2): SA and USA, d = 3 and 8, H = 1 and 2") {
  for (auto norm : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
    for (Eigen::Index d : {3, 8}) {
      for (int H : {1, 2}) {
        Rng rng(310 + d * 10 + H);
        const std::vector<AttentionHead> truth = random_heads(rng, d, H);
        const AttentionField field(d, truth, {norm, 1.0});
        AttentionFamily fam;
        fam.d = d;
        fam.heads = H;
        fam.normalization = norm;
        std::vector<double> hs{0.2, 0.1, 0.05}, errors;
        for (double h : hs) {
          const std::vector<Trajectory> paths = observed(field, d, 4, 8, 1.0, h, 11);
          FitOptions options;
          options.starts = 2 * H - 1;  // two heads: the nudged identity and two perturbed starts
          const AttentionFit fit = fit_attention(paths, fam, options);
          CHECK(fit.outcome == FitOutcome::Converged);
          errors.push_back(head_error(fam, fit.theta, truth));
        }
        const double order = slope(hs, errors);
        MESSAGE(std::string(norm == AttentionNormalization::Softmax ? "SA" : "USA") << " d=" << d << " H=" << H
                << ": errors " << errors[0] << " " << errors[1] << " " << errors[2] << ", order " << order);
        CHECK(order > 1.75);
        CHECK(order < 2.3);
      }
    }
  }
}

namespace {
// Each frame moved by σ·N(0, 1) and put back on the sphere.
std::vector<Trajectory> noisy(std::vector<Trajectory> paths, double sigma, std::uint64_t seed) {
  Rng rng(seed);
  for (Trajectory& p : paths)
    for (MatrixXd& X : p.frames) X = product::project(MatrixXd(X + sigma * rng.normal_matrix(X.rows(), X.cols())));
  return paths;
}
double rms(const VectorXd& v) { return std::sqrt(v.squaredNorm() / double(v.size())); }
}  // namespace

TEST_CASE("with observation noise the error scales like sigma / sqrt(number of observations)") {
  Rng rng(320);
  const Eigen::Index d = 3;
  const std::vector<AttentionHead> truth = random_heads(rng, d, 1);
  const AttentionField field(d, truth, {AttentionNormalization::Softmax, 1.0});
  AttentionFamily fam;
  fam.d = d;
  const VectorXd exact = fam.parameters_of(truth);
  // Mean RMS parameter error over 4 noise draws.
  auto error = [&](int N, double sigma) {
    const std::vector<Trajectory> clean = observed(field, d, N, 8, 1.0, 0.05, 21);
    double sum = 0;
    for (std::uint64_t s = 0; s < 4; ++s) sum += rms(fit_attention(noisy(clean, sigma, 100 + s), fam).theta - exact);
    return sum / 4;
  };
  const std::vector<double> sigmas{5e-3, 1e-2, 2e-2}, counts{8, 32, 128};
  std::vector<double> by_sigma, by_count;
  for (double s : sigmas) by_sigma.push_back(error(8, s));
  for (double N : counts) by_count.push_back(error(static_cast<int>(N), 1e-2));
  const double in_sigma = slope(sigmas, by_sigma), in_count = slope(counts, by_count);
  MESSAGE("error vs sigma: " << by_sigma[0] << " " << by_sigma[1] << " " << by_sigma[2] << " (slope "
          << in_sigma << "); vs N: " << by_count[0] << " " << by_count[1] << " " << by_count[2]
          << " (slope " << in_count << ")");
  CHECK(in_sigma > 0.9);
  CHECK(in_sigma < 1.1);
  CHECK(in_count > -0.6);
  CHECK(in_count < -0.4);
}

TEST_CASE("trajectory matching from the identity reaches the truth on 9 of 10 random problems") {
  int reached = 0;
  for (int problem = 0; problem < 10; ++problem) {
    Rng rng(400 + problem);
    const Eigen::Index d = 3;
    // Far from the identity start: A = 2G/√d, V = I + G'/√d.
    std::vector<AttentionHead> truth{{2.0 * rng.normal_matrix(d, d) / std::sqrt(3.0),
                                      MatrixXd::Identity(d, d) + rng.normal_matrix(d, d) / std::sqrt(3.0)}};
    const AttentionField field(d, truth, {AttentionNormalization::Softmax, 1.0});
    const std::vector<Trajectory> paths = observed(field, d, 3, 6, 2.0, 0.25, 30 + problem);
    AttentionFamily fam;
    fam.d = d;
    FitOptions options;
    options.loss = FitLoss::TrajectoryMatching;
    options.max_step = 0.025;
    options.starts = 3;  // the identity and two perturbed identities
    const AttentionFit fit = fit_attention(paths, fam, options);
    const double e = head_error(fam, fit.theta, truth);
    reached += e <= 1e-3;
    MESSAGE("problem " << problem << ": parameter error " << e << ", cost " << fit.cost << ", "
                       << to_string(fit.outcome));
  }
  MESSAGE("trajectory matching from the identity reached the truth on " << reached << " of 10");
  CHECK(reached >= 9);
}

TEST_CASE("a causal mask with ALiBi is part of the model: (A, V) are recovered through it") {
  Rng rng(360);
  const Eigen::Index d = 3;
  const std::vector<AttentionHead> truth = random_heads(rng, d, 1);
  AttentionOptions options{AttentionNormalization::Softmax, 1.0};
  options.bias.mask = AttentionMask::Causal;
  options.bias.alibi = 2.0;
  const AttentionField field(d, truth, options);
  AttentionFamily fam;
  fam.d = d;
  fam.bias = options.bias;
  std::vector<double> errors;
  for (double h : {0.1, 0.05}) {
    const AttentionFit fit = fit_attention(observed(field, d, 4, 8, 1.0, h, 51), fam);
    CHECK(fit.outcome == FitOutcome::Converged);
    errors.push_back(head_error(fam, fit.theta, truth));
  }
  MESSAGE("causal + ALiBi: errors " << errors[0] << " " << errors[1]);
  CHECK(errors[1] <= 0.01);
  CHECK(errors[0] / errors[1] == doctest::Approx(4.0).epsilon(0.2));  // O(h²)
  // The parameter derivatives with the bias equal central differences.
  const MatrixXd X = product::random_point(rng, d, 5);
  const AttentionParameterJacobian J = attention_parameter_jacobian(field, 0.0, X);
  double worst = 0;
  for (Eigen::Index j = 0; j < d * d; ++j) {
    auto F_at = [&](double e) {
      std::vector<AttentionHead> p = truth;
      p[0].A(j % d, j / d) += e;
      MatrixXd F;
      AttentionField(d, p, options)(0.0, X, F);
      return F;
    };
    const MatrixXd fd = (F_at(1e-6) - F_at(-1e-6)) / 2e-6;
    worst = std::max(worst, (Eigen::Map<const VectorXd>(fd.data(), fd.size()) - J.A[0].col(j)).cwiseAbs().maxCoeff());
  }
  CHECK(worst <= 1e-8);
}

TEST_CASE("flat directions: the low-rank gauge is reported, a family the data cannot determine is refused") {
  Rng rng(330);
  const Eigen::Index d = 4;
  const MatrixXd Q = rng.normal_matrix(2, d), K = rng.normal_matrix(2, d);
  const std::vector<AttentionHead> truth{{Q.transpose() * K / 2.0, MatrixXd::Identity(d, d)}};
  const AttentionField field(d, truth, {AttentionNormalization::Softmax, 1.0});
  const std::vector<Trajectory> paths = observed(field, d, 3, 6, 1.0, 0.1, 41);
  AttentionFamily fam;
  fam.d = d;
  fam.score = ScoreFamily::LowRank;
  fam.rank = 2;
  fam.value = ValueFamily::Identity;
  const AttentionFit fit = fit_attention(paths, fam);
  CHECK(fit.outcome == FitOutcome::Converged);
  CHECK(fit.gauge_dimension == 4);
  CHECK(fit.null_space.cols() == 4);  // GL(2) acting on (Q, K)
  CHECK((fam.heads_at(fit.theta, 0).front().A - truth[0].A).cwiseAbs().maxCoeff() <= 0.05);
  // The gauge is fixed: balanced factors, Q Qᵀ = K Kᵀ (= the singular values of A, diagonal).
  using RowMajor = Eigen::Matrix<double, -1, -1, Eigen::RowMajor>;
  const MatrixXd Qf = Eigen::Map<const RowMajor>(fit.theta.data(), 2, d);
  const MatrixXd Kf = Eigen::Map<const RowMajor>(fit.theta.data() + 2 * d, 2, d);
  CHECK((Qf * Qf.transpose() - Kf * Kf.transpose()).cwiseAbs().maxCoeff() <= 1e-10);
  CHECK(std::abs((Qf * Qf.transpose())(0, 1)) <= 1e-10);
  // One token: its weight is 1 whatever A is, so A is not determined.
  std::vector<Trajectory> single;
  for (const Trajectory& p : paths) {
    Trajectory one;
    for (std::size_t k = 0; k < p.size(); ++k) one.push_back(p.times[k], p.frames[k].leftCols(1));
    single.push_back(one);
  }
  AttentionFamily full;
  full.d = d;
  const AttentionFit blind = fit_attention(single, full);
  CHECK(blind.outcome == FitOutcome::Unidentifiable);
  CHECK(blind.null_space.cols() >= d * d);
  // More parameters than numbers: refused before any work.
  AttentionFamily layered = full;
  layered.time = TimeDependence::Piecewise;
  layered.blocks = 10;
  layered.t1 = 1.0;
  CHECK_THROWS_AS(fit_attention(single, layered), InvalidInput);
}

TEST_CASE("piecewise-constant heads are recovered block by block; irregular times are accepted") {
  Rng rng(340);
  const Eigen::Index d = 3;
  const std::vector<AttentionHead> first = random_heads(rng, d, 1), second = random_heads(rng, d, 1);
  const AttentionField field(d, [&](double t) { return t < 0.5 ? first : second; },
                             {AttentionNormalization::Softmax, 1.0});
  // Irregular observation times, none straddling the switch at t = 0.5.
  const std::vector<double> times{0.0, 0.03, 0.08, 0.1, 0.16, 0.2, 0.27, 0.3, 0.36, 0.41, 0.45, 0.5,
                                  0.52, 0.58, 0.61, 0.66, 0.7, 0.77, 0.8, 0.84, 0.9, 0.95, 1.0};
  std::vector<Trajectory> paths;
  for (int p = 0; p < 4; ++p) {
    Trajectory path;
    MatrixXd X = product::random_point(rng, d, 8);
    path.push_back(0.0, X);
    for (std::size_t k = 1; k < times.size(); ++k) {
      FlowOptions o;
      o.scheme = FlowScheme::Dopri5;
      o.rtol = 1e-12;
      o.atol = 1e-13;
      o.dt = 0.01;
      X = integrate(field, X, times[k - 1], times[k], o).trajectory.frames.back();
      path.push_back(times[k], X);
    }
    paths.push_back(path);
  }
  AttentionFamily fam;
  fam.d = d;
  fam.time = TimeDependence::Piecewise;
  fam.blocks = 2;
  fam.t0 = 0.0;
  fam.t1 = 1.0;
  const AttentionFit fit = fit_attention(paths, fam);
  CHECK(fit.outcome == FitOutcome::Converged);
  CHECK(head_error(fam, fit.theta.head(fam.block_size()).replicate(2, 1), first) <= 0.02);
  const VectorXd later = fit.theta.tail(fam.block_size()).replicate(2, 1);
  CHECK(head_error(fam, later, second) <= 0.02);
  CHECK(fit.r_squared > 0.999);
}

TEST_CASE("bad observed paths are refused with one clear error") {
  Rng rng(350);
  Trajectory a, b;
  a.push_back(0.0, product::random_point(rng, 3, 4));
  a.push_back(0.1, product::random_point(rng, 3, 4));
  b.push_back(0.0, product::random_point(rng, 4, 4));
  b.push_back(0.1, product::random_point(rng, 4, 4));
  AttentionFamily fam;
  CHECK_THROWS_WITH_AS(fit_attention({a, b}, fam), doctest::Contains("d = 4"), InvalidInput);
  Trajectory one;
  one.push_back(0.0, a.frames[0]);
  CHECK_THROWS_WITH_AS(fit_attention({one}, fam), doctest::Contains("at least 2"), InvalidInput);
  Trajectory backwards = a;
  backwards.times[1] = 0.0;
  CHECK_THROWS_WITH_AS(fit_attention({backwards}, fam), doctest::Contains("increase"), InvalidInput);
  Trajectory off = a;
  off.frames[1](0, 0) += 0.1;
  CHECK_THROWS_WITH_AS(fit_attention({off}, fam), doctest::Contains("norm"), InvalidInput);
  CHECK_THROWS_AS(fit_attention({}, fam), InvalidInput);
}
