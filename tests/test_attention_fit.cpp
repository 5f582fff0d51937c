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
        CHECK(order == doctest::Approx(2.0).epsilon(0.15));
      }
    }
  }
}
