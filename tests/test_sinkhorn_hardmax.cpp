// Sinkhorn (doubly stochastic) and hardmax attention (docs/math.md §2.7): the Sinkhorn weights
// equal the sinkformers code's attention matrices and outputs (1e-12 relative, with its float32
// marginal), rows and columns sum to 1, one iteration is the softmax, β = 100 is stable, the
// Jacobian equals central differences; hardmax is the β → ∞ limit of SA and splits ties evenly.
#include <doctest/doctest.h>

#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>

#include "support/reference_case.hpp"

using namespace varsphere;
using namespace varsphere::testing;
using Eigen::MatrixXd;

namespace {

AttentionOptions sinkhorn_options(double beta, int iterations, double tolerance = 1e-12,
                                  double log_marginal = std::nan("")) {
  AttentionOptions o{AttentionNormalization::Sinkhorn, beta, 1.0};
  o.sinkhorn = {iterations, tolerance, log_marginal};
  return o;
}

}  // namespace

TEST_CASE("Sinkhorn weights equal the sinkformers reference") {
  struct Case {
    const char* dir;
    int batch;
    double log_mu;
    std::vector<std::pair<int, int>> its;  // n_it : iterations the code ran
  };
  const std::vector<Case> cases = {
      {"research/sink_n8_d4_B2_Wid_beta1_s0/", 2, -2.0794415473937988,
       {{1, 1}, {2, 2}, {3, 3}, {5, 5}, {21, 19}}},
      {"research/sink_n16_d8_B3_Wrand_beta4_s1/", 3, -2.7725887298583984,
       {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {9, 9}, {21, 21}}},
  };
  for (const Case& c : cases) {
    const MatrixXd A = read_mat(std::string(c.dir) + "A_h0.mat");  // includes β and 1/sqrt(d)
    const MatrixXd V = read_mat(std::string(c.dir) + "Wv_h0.mat").transpose();  // out = attn X Wv
    for (int b = 0; b < c.batch; ++b) {
      const MatrixXd X = read_points_case(std::string(c.dir) + "x0_b" + std::to_string(b) + ".mat");
      for (auto [n_it, done] : c.its) {
        CAPTURE(c.dir);
        CAPTURE(n_it);
        // The code stops on the batch-mean change; replay its iteration count exactly.
        const AttentionField f(X.rows(), {{A, V}}, sinkhorn_options(1.0, done, 0.0, c.log_mu));
        const std::string tag = std::to_string(n_it) + "_h0_b" + std::to_string(b) + ".mat";
        const MatrixXd ref = read_mat(std::string(c.dir) + "attn_nit" + tag);
        const MatrixXd W = f.weights(0.0, X);
        CHECK((W - ref).cwiseAbs().maxCoeff() <= 1e-12 * ref.cwiseAbs().maxCoeff());
        AttentionWorkspace ws;
        MatrixXd D(X.rows(), X.cols());
        f.unprojected_velocity(0.0, X, D, ws);
        const MatrixXd out = read_mat(std::string(c.dir) + "out_nit" + tag).transpose();
        CHECK((D - out).cwiseAbs().maxCoeff() <= 1e-12 * (1 + out.cwiseAbs().maxCoeff()));
      }
    }
  }
}

TEST_CASE("Sinkhorn: doubly stochastic, softmax after one iteration, stable at beta = 100") {
  Rng rng(81);
  const int d = 5, n = 20;
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd A = rng.normal_matrix(d, d);
  for (double beta : {1.0, 10.0}) {
    CAPTURE(beta);
    const AttentionField f(d, {{A, MatrixXd::Identity(d, d)}}, sinkhorn_options(beta, 5000, 1e-13));
    const MatrixXd W = f.weights(0.0, X);
    CHECK((W.rowwise().sum().array() - 1).abs().maxCoeff() <= 1e-10);
    CHECK((W.colwise().sum().array() - 1).abs().maxCoeff() <= 1e-10);
  }
  // β = 100: the scalings converge slowly (as ε-scaling would fix) but stay finite in the log
  // domain; after a column scaling (even count) the columns sum to 1.
  const AttentionField cold(d, {{A, MatrixXd::Identity(d, d)}}, sinkhorn_options(100.0, 200, 0.0));
  const MatrixXd W = cold.weights(0.0, X);
  CHECK(W.allFinite());
  CHECK((W.colwise().sum().array() - 1).abs().maxCoeff() <= 1e-12);
  const AttentionField one(d, {{A, MatrixXd::Identity(d, d)}}, sinkhorn_options(2.0, 1));
  const AttentionField sa(d, {{A, MatrixXd::Identity(d, d)}}, {AttentionNormalization::Softmax, 2.0});
  CHECK((one.weights(0.0, X) - sa.weights(0.0, X)).cwiseAbs().maxCoeff() <= 1e-15);
  // Fast path = Jet template; the Jacobian (by Jets) = central differences.
  const AttentionField f(d, {{A, rng.normal_matrix(d, d)}}, sinkhorn_options(1.5, 50));
  using J = ceres::Jet<double, 1>;
  Eigen::Matrix<J, -1, -1> FJ;
  f(J(0.0), Eigen::Matrix<J, -1, -1>(X.cast<J>()), FJ);
  AttentionWorkspace ws;
  MatrixXd F(d, n);
  f.velocity(0.0, X, F, ws);
  CHECK((FJ.unaryExpr([](const J& j) { return j.a; }) - F).norm() <= 1e-13 * (1 + F.norm()));
  const MatrixXd Jm = f.velocity_jacobian(0.0, X.leftCols(6));
  const double h = 1e-6;
  double err = 0;
  for (int k = 0; k < 6 * d; ++k) {
    MatrixXd P = X.leftCols(6), M = X.leftCols(6);
    P.data()[k] += h;
    M.data()[k] -= h;
    MatrixXd FP(d, 6), FM(d, 6);
    f.velocity(0.0, P, FP, ws);
    f.velocity(0.0, M, FM, ws);
    const MatrixXd diff = (FP - FM) / (2 * h);
    err = std::max(err, (Jm.col(k) - Eigen::Map<const Eigen::VectorXd>(diff.data(), 6 * d)).cwiseAbs().maxCoeff());
  }
  CHECK(err <= 1e-7);
}

TEST_CASE("hardmax is the beta -> infinity limit of SA and splits ties evenly") {
  Rng rng(82);
  const int d = 4, n = 15;
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd A = rng.normal_matrix(d, d);
  const AttentionField hard(d, {{A, MatrixXd::Identity(d, d)}}, {AttentionNormalization::Hardmax, 1.0});
  const AttentionField sharp(d, {{A, MatrixXd::Identity(d, d)}}, {AttentionNormalization::Softmax, 1e4});
  CHECK((hard.weights(0.0, X) - sharp.weights(0.0, X)).cwiseAbs().maxCoeff() <= 1e-6);
  // Ties: two copies of the best key share its weight; A = I makes every token its own argmax.
  MatrixXd Y = X;
  Y.col(3) = Y.col(7);
  const AttentionField id(d, {{MatrixXd::Identity(d, d), MatrixXd::Identity(d, d)}},
                          {AttentionNormalization::Hardmax, 1.0});
  const MatrixXd W = id.weights(0.0, Y);
  CHECK(W(7, 7) == 0.5);
  CHECK(W(7, 3) == 0.5);
  CHECK(W(0, 0) == 1.0);
  // Fast path = Jet template (values; the weights are piecewise constant).
  {
    using J = ceres::Jet<double, 1>;
    Eigen::Matrix<J, -1, -1> FJ;
    hard(J(0.0), Eigen::Matrix<J, -1, -1>(X.cast<J>()), FJ);
    AttentionWorkspace ws0;
    MatrixXd F(d, n);
    hard.velocity(0.0, X, F, ws0);
    CHECK((FJ.unaryExpr([](const J& j) { return j.a; }) - F).cwiseAbs().maxCoeff() <= 1e-14);
  }
  // Its Jacobian is the locally constant part w_ik V (checked against differences away from ties).
  const MatrixXd Jm = hard.velocity_jacobian(0.0, X);
  AttentionWorkspace ws;
  const double h = 1e-7;
  double err = 0;
  for (int k = 0; k < n * d; ++k) {
    MatrixXd P = X, M = X;
    P.data()[k] += h;
    M.data()[k] -= h;
    MatrixXd FP(d, n), FM(d, n);
    hard.velocity(0.0, P, FP, ws);
    hard.velocity(0.0, M, FM, ws);
    const MatrixXd diff = (FP - FM) / (2 * h);
    err = std::max(err, (Jm.col(k) - Eigen::Map<const Eigen::VectorXd>(diff.data(), n * d)).cwiseAbs().maxCoeff());
  }
  CHECK(err <= 1e-6);
}

TEST_CASE("symmetric A, V = A: the Sinkhorn flow is n times the gradient of the entropic energy") {
  Rng rng(83);
  const int d = 3, n = 7;
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd B = rng.normal_matrix(d, d);
  const double beta = 1.3;
  const SinkhornOptions tight{20000, 1e-15};
  auto gradient_gap = [&](const MatrixXd& A, const MatrixXd& V) {
    AttentionOptions o{AttentionNormalization::Sinkhorn, beta, 1.0};
    o.sinkhorn = tight;
    const AttentionField f(d, {{A, V}}, o);
    AttentionWorkspace ws;
    MatrixXd F(d, n);
    f.velocity(0.0, X, F, ws);
    MatrixXd G(d, n);
    const double h = 1e-6;
    for (int k = 0; k < d * n; ++k) {
      MatrixXd P = X, M = X;
      P.data()[k] += h;
      M.data()[k] -= h;
      G.data()[k] = (sinkhorn_energy(P, A, beta, tight) - sinkhorn_energy(M, A, beta, tight)) / (2 * h);
    }
    return (F - n * product::tangent_project(X, G)).cwiseAbs().maxCoeff() / F.cwiseAbs().maxCoeff();
  };
  const MatrixXd Asym = (B + B.transpose()) / 2;
  CHECK(gradient_gap(Asym, Asym) <= 1e-6);
  // Without symmetry (or with V ≠ A) the relation fails: the test can tell.
  CHECK(gradient_gap(B, B) >= 1e-3);
  CHECK(gradient_gap(Asym, MatrixXd::Identity(d, d) + Asym) >= 1e-3);
}
