// Score biases of the attention field (docs/math.md §2.6): causal and strictly causal masks, ALiBi
// and user bias matrices. The fast path equals the generic (Jet) template, the closed-form Jacobian
// equals the Jet derivative, a mask makes the field exactly triangular, and the published codes'
// models are replayed: simuformer's four normalization placements (causal Post-LN and Pre-LN,
// Peri-LN, nGPT) with its exact updates (simuformer-euler, to 1e-9, radii too) and the
// lost-in-the-middle ALiBi model on the circle (RK4, to 1e-9).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

#include "support/reference_case.hpp"

using namespace varsphere;
using namespace varsphere::testing;
using Eigen::MatrixXd;

namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

MatrixXd generic_velocity(const AttentionField& f, const MatrixXd& X) {
  using J = ceres::Jet<double, 1>;
  const Eigen::Matrix<J, -1, -1> XJ = X.cast<J>();
  Eigen::Matrix<J, -1, -1> VJ;
  f(J(0.0), XJ, VJ);
  return VJ.unaryExpr([](const J& j) { return j.a; });
}

MatrixXd fast_velocity(const AttentionField& f, const MatrixXd& X) {
  AttentionWorkspace ws;
  MatrixXd V(X.rows(), X.cols());
  f.velocity(0.0, X, V, ws);
  return V;
}

struct Variant {
  const char* name;
  ScoreBias bias;
};

std::vector<Variant> variants(Rng& rng, Eigen::Index n) {
  MatrixXd user = rng.normal_matrix(n, n);
  user(2, 0) = kMinusInf;  // a masked pair inside the matrix
  return {
      {"causal", {AttentionMask::Causal, 0.0, {}}},
      {"strict-causal", {AttentionMask::StrictCausal, 0.0, {}}},
      {"alibi", {AttentionMask::None, 3.0, {}}},
      {"causal + alibi", {AttentionMask::Causal, 1.5, {}}},
      {"user matrix", {AttentionMask::None, 0.0, user}},
      {"causal + user matrix", {AttentionMask::Causal, 0.5, user}},
  };
}

}  // namespace

TEST_CASE("biased fast path equals the generic template") {
  Rng rng(71);
  const int d = 4, n = 23;
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd I = MatrixXd::Identity(d, d);
  const std::vector<std::vector<AttentionHead>> heads = {
      {{I, I}}, {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)}}, {{I, I}, {I, -I}}};
  for (const auto& v : variants(rng, n)) {
    for (const auto& h : heads) {
      for (auto weights : {AttentionNormalization::Softmax, AttentionNormalization::Unnormalized}) {
        if (v.bias.mask == AttentionMask::StrictCausal && weights == AttentionNormalization::Softmax)
          continue;  // token 1 attends to nothing: an error under SA (below)
        CAPTURE(v.name);
        CAPTURE(int(weights));
        AttentionOptions o{weights, 2.0, 1.0, v.bias};
        const AttentionField f(d, h, o);
        const MatrixXd fast = fast_velocity(f, X), generic = generic_velocity(f, X);
        CHECK((fast - generic).norm() <= 1e-13 * (1 + generic.norm()));
        MatrixXd F;
        const MatrixXd J = f.velocity_jacobian(0.0, X, &F);
        CHECK((F - fast).norm() <= 1e-13 * (1 + F.norm()));
        // Jacobian columns of token k against Jets.
        using J4 = ceres::Jet<double, 4>;
        for (int k : {0, 5, n - 1}) {
          Eigen::Matrix<J4, -1, -1> XJ = X.cast<J4>();
          for (int b = 0; b < d; ++b) XJ(b, k).v[b] = 1.0;
          Eigen::Matrix<J4, -1, -1> FJ;
          f(J4(0.0), XJ, FJ);
          double err = 0;
          for (int i = 0; i < n; ++i)
            for (int a = 0; a < d; ++a)
              for (int b = 0; b < d; ++b)
                err = std::max(err, std::abs(J(i * d + a, k * d + b) - FJ(a, i).v[b]));
          CHECK(err <= 1e-11);
        }
      }
    }
  }
}

TEST_CASE("a causal mask makes the field exactly triangular") {
  Rng rng(72);
  const int d = 3, n = 12;
  const MatrixXd X = product::random_point(rng, d, n);
  for (auto mask : {AttentionMask::Causal, AttentionMask::StrictCausal}) {
    const AttentionField f(d, {{rng.normal_matrix(d, d), rng.normal_matrix(d, d)}},
                           {AttentionNormalization::Unnormalized, 1.7, 1.0, {mask, 0.0, {}}});
    const MatrixXd F = fast_velocity(f, X);
    for (int k = 0; k < n; ++k) {
      MatrixXd Y = X;
      Y.col(k) = product::random_point(rng, d, 1);
      const MatrixXd G = fast_velocity(f, Y);
      // Tokens before k do not see token k: their velocities are bit for bit the same.
      for (int i = 0; i < k; ++i) CHECK((G.col(i) - F.col(i)).cwiseAbs().maxCoeff() == 0.0);
      if (k + 1 < n) CHECK((G.col(n - 1) - F.col(n - 1)).norm() > 0.0);
    }
    const MatrixXd J = f.velocity_jacobian(0.0, X);
    // Block lower-triangular: ∂F_i/∂x_k = 0 for k > i.
    double above = 0;
    for (int i = 0; i < n; ++i)
      for (int k = i + 1; k < n; ++k) above = std::max(above, J.block(i * d, k * d, d, d).cwiseAbs().maxCoeff());
    CHECK(above == 0.0);
  }
  // Causal, V = I: the first token attends only to itself and does not move.
  const AttentionField causal = AttentionField::identity(
      d, {AttentionNormalization::Softmax, 4.0, 1.0, {AttentionMask::Causal, 0.0, {}}});
  CHECK(fast_velocity(causal, X).col(0).norm() <= 1e-15);
  // Strictly causal under USA: the first row is an empty sum, exactly zero.
  const AttentionField strict = AttentionField::identity(
      d, {AttentionNormalization::Unnormalized, 4.0, 1.0, {AttentionMask::StrictCausal, 0.0, {}}});
  CHECK(fast_velocity(strict, X).col(0).cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("invalid biases and fully masked rows are errors, not NaN") {
  Rng rng(73);
  const int d = 3, n = 5;
  const MatrixXd X = product::random_point(rng, d, n);
  const AttentionField strict_sa = AttentionField::identity(
      d, {AttentionNormalization::Softmax, 1.0, 1.0, {AttentionMask::StrictCausal, 0.0, {}}});
  CHECK_THROWS_WITH_AS(fast_velocity(strict_sa, X), doctest::Contains("token 1 attends to no token"),
                       InvalidInput);
  CHECK_THROWS_AS(generic_velocity(strict_sa, X), InvalidInput);
  MatrixXd masked_row = MatrixXd::Zero(n, n);
  masked_row.row(3).setConstant(kMinusInf);
  const AttentionField row_sa = AttentionField::identity(
      d, {AttentionNormalization::Softmax, 1.0, 1.0, {AttentionMask::None, 0.0, masked_row}});
  CHECK_THROWS_WITH_AS(fast_velocity(row_sa, X), doctest::Contains("token 4"), InvalidInput);
  const AttentionField wrong_size = AttentionField::identity(
      d, {AttentionNormalization::Softmax, 1.0, 1.0, {AttentionMask::None, 0.0, MatrixXd::Zero(4, 4)}});
  CHECK_THROWS_WITH_AS(fast_velocity(wrong_size, X), doctest::Contains("4x4"), InvalidInput);
  MatrixXd nan = MatrixXd::Zero(n, n);
  nan(1, 1) = std::nan("");
  CHECK_THROWS_AS(AttentionField::identity(d, {AttentionNormalization::Softmax, 1.0, 1.0,
                                              {AttentionMask::None, 0.0, nan}}),
                  InvalidInput);
  CHECK_THROWS_AS(AttentionField::identity(d, {AttentionNormalization::Softmax, 1.0, 1.0,
                                              {AttentionMask::None, -1.0, {}}}),
                  InvalidInput);
  CHECK(parse_attention_mask("strict-causal") == AttentionMask::StrictCausal);
  CHECK_THROWS_AS(parse_attention_mask("lower"), InvalidInput);
}

TEST_CASE("simuformer: every normalization placement replayed with its exact update") {
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
  for (const Case& c : cases) {
    for (const char* beta : {"1", "4"}) {
      for (int b : {0, 1}) {
        const std::string dir = std::string("research/") + c.name + beta + "/";
        CAPTURE(dir);
        CAPTURE(b);
        const std::string tag = std::to_string(b) + ".mat";
        const MatrixXd X0 = read_points_case(dir + "x0_b" + tag);
        // simuformer: S = β X BF Xᵀ (rows are tokens) and values x_j V, i.e. A = BF, V_ours = Vᵀ.
        const MatrixXd BF = read_mat(dir + "BF_h0_b" + tag);
        const MatrixXd V = read_mat(dir + "V_h0_b" + tag).transpose();
        const AttentionField f(4, {{BF, V}},
                               {AttentionNormalization::Softmax, std::stod(beta), 1.0,
                                {c.mask, 0.0, {}}});
        FlowOptions o;
        o.scheme = FlowScheme::SimuformerEuler;
        o.norm = c.norm;
        o.dt = 0.1;
        o.record = false;
        const FlowResult r = integrate(f, X0, 0.0, 0.1 * c.steps, o);
        CHECK(r.steps == static_cast<std::size_t>(c.steps));
        const MatrixXd ref = read_points_case(dir + "final_b" + tag);
        CHECK((r.final_state - ref).cwiseAbs().maxCoeff() <= 1e-9);
        if (c.norm == LayerNormPlacement::Pre || c.norm == LayerNormPlacement::Peri) {
          const Eigen::VectorXd r_ref = read_mat(dir + "r_final_b" + tag).col(0);
          CHECK(((r.radii - r_ref).array() / r_ref.array()).abs().maxCoeff() <= 1e-9);
        }
        // Causal, V = I: token 1 sees only itself and never moves.
        if (c.mask == AttentionMask::Causal) {
          CHECK((r.final_state.col(0) - X0.col(0)).norm() <= 1e-13);
        }
      }
    }
  }
}

TEST_CASE("lost in the middle: ALiBi prior times the unnormalized kernel, RK4 on the circle") {
  for (const char* lam : {"1", "8"}) {
    const std::string dir =
        std::string("research/litm_alibi_n16_lam") + lam + "_beta1_clusters_s17/";
    const MatrixXd X0 = read_points_case(dir + "x0.mat");
    const MatrixXd W = read_mat(dir + "W.mat");  // normalized prior over k < j, zero elsewhere
    const Eigen::Index n = X0.cols();
    const double beta = 1.0;
    // dx_j/dt = β Σ_{k<j} W_jk e^{β<x_j,x_k>} P_j x_k: USA weights e^{βs + b}/n with b = log(n W)
    // (−∞ where W = 0) and V = βI; the strict mask only saves work.
    const MatrixXd bias = (static_cast<double>(n) * W.array()).log().matrix();
    const AttentionField f(2, {{MatrixXd::Identity(2, 2), beta * MatrixXd::Identity(2, 2)}},
                           {AttentionNormalization::Unnormalized, beta, 1.0,
                            {AttentionMask::StrictCausal, 0.0, bias}});
    // The published force at t = 0 (the angle derivative) equals ⟨F_j, x_j^⊥⟩.
    const MatrixXd F0 = fast_velocity(f, X0);
    const MatrixXd force0 = read_mat(dir + "force0.mat");
    double err = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
      const double angular = -X0(1, j) * F0(0, j) + X0(0, j) * F0(1, j);
      err = std::max(err, std::abs(angular - force0(j, 0)));
    }
    CHECK(err <= 1e-14);
    FlowOptions o;
    o.scheme = FlowScheme::RK4;
    o.dt = 0.0025;
    o.record = false;
    const FlowResult r = integrate(f, X0, 0.0, 10.0, o);
    CHECK(r.steps == 4000);
    CHECK((r.final_state - read_points_case(dir + "final.mat")).cwiseAbs().maxCoeff() <= 1e-9);
  }
}

TEST_CASE("a bias that changes with time, and Jet derivatives of a biased field") {
  Rng rng(74);
  const int d = 3, n = 6;
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd M = rng.normal_matrix(n, n);
  ScoreBias moving{AttentionMask::Causal, 0.5, {}};
  moving.schedule = [&](double t) { return MatrixXd(std::sin(t) * M); };
  const AttentionField f(d, {{rng.normal_matrix(d, d), MatrixXd::Identity(d, d)}},
                         {AttentionNormalization::Softmax, 1.5, 1.0, moving});
  for (double t : {0.0, 0.4, 2.0}) {
    const AttentionField frozen(d, {{f.heads_at(0).front()}},
                                {AttentionNormalization::Softmax, 1.5, 1.0,
                                 {AttentionMask::Causal, 0.5, MatrixXd(std::sin(t) * M)}});
    AttentionWorkspace ws;
    MatrixXd F(d, n), G(d, n);
    f.velocity(t, X, F, ws);
    frozen.velocity(0.0, X, G, ws);
    CHECK((F - G).cwiseAbs().maxCoeff() == 0.0);
    CHECK((f.velocity_jacobian(t, X) - frozen.velocity_jacobian(0.0, X)).cwiseAbs().maxCoeff() == 0.0);
  }
  // Jets of the biased field equal central differences of its double evaluation.
  using J = ceres::Jet<double, 1>;
  double err = 0;
  const double h = 1e-6;
  for (int k = 0; k < d * n; ++k) {
    Eigen::Matrix<J, -1, -1> XJ = X.cast<J>();
    XJ.data()[k].v[0] = 1.0;
    Eigen::Matrix<J, -1, -1> FJ;
    f(J(0.4), XJ, FJ);
    MatrixXd P = X, Q = X;
    P.data()[k] += h;
    Q.data()[k] -= h;
    AttentionWorkspace ws;
    MatrixXd FP(d, n), FQ(d, n);
    f.velocity(0.4, P, FP, ws);
    f.velocity(0.4, Q, FQ, ws);
    for (int r = 0; r < d * n; ++r) {
      err = std::max(err, std::abs(FJ.data()[r].v[0] - (FP.data()[r] - FQ.data()[r]) / (2 * h)));
    }
  }
  CHECK(err <= 1e-8);
  // The same bias as a per-pair callable b(i, j, t).
  ScoreBias pairwise{AttentionMask::Causal, 0.5, {}};
  pairwise.schedule = ScoreBias::pairwise([&](Eigen::Index i, Eigen::Index j, double t) { return std::sin(t) * M(i, j); }, n);
  const AttentionField g(d, {{f.heads_at(0).front()}},
                         {AttentionNormalization::Softmax, 1.5, 1.0, pairwise});
  {
    AttentionWorkspace ws;
    MatrixXd F(d, n), G(d, n);
    f.velocity(0.7, X, F, ws);
    g.velocity(0.7, X, G, ws);
    CHECK((F - G).cwiseAbs().maxCoeff() == 0.0);
  }
  ScoreBias wrong{};
  wrong.schedule = [](double) { return MatrixXd::Zero(2, 2).eval(); };
  const AttentionField broken = AttentionField::identity(d, {AttentionNormalization::Softmax, 1.0, 1.0, wrong});
  AttentionWorkspace ws;
  MatrixXd F(d, n);
  CHECK_THROWS_AS(broken.velocity(0.0, X, F, ws), InvalidInput);
}
