// The fused tiled attention kernel (functionals/tiled_attention.hpp, docs/math.md §2.9) against the
// dense n×n oracle: every variant of the field (SA/USA, general A and V, several heads, heads that
// depend on time, causal and strictly causal masks, ALiBi, a user bias with −∞ entries, β = 100)
// agrees to 1e-13 relative, on sizes that cross tile boundaries; the result is the same bit for
// bit for 1, 2, 3 and 7 threads; single precision stays within its stated 1e-5; the energies,
// gradients and dissipation built on the kernel equal their n×n definitions.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/clusters.hpp>

using namespace varsphere;
using Eigen::MatrixXd;

namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

MatrixXd unprojected(const AttentionField& f, const MatrixXd& X, double t = 0.0) {
  AttentionWorkspace ws;
  MatrixXd D(X.rows(), X.cols());
  f.unprojected_velocity(t, X, D, ws);
  return D;
}

AttentionField with_kernel(const AttentionField& f, AttentionKernel kernel, int threads = 0,
                           Precision precision = Precision::Double) {
  AttentionOptions o = f.options();
  o.kernel = kernel;
  o.threads = threads;
  o.precision = precision;
  return AttentionField(f.dimension(), f.heads_at(0.0), o);
}

double relative_difference(const MatrixXd& a, const MatrixXd& b) {
  return (a - b).cwiseAbs().maxCoeff() / std::max(1e-300, b.cwiseAbs().maxCoeff());
}

struct Variant {
  const char* name;
  AttentionNormalization normalization;
  bool general_A, general_V;
  int heads;
  ScoreBias bias;
  double beta;
};

std::vector<Variant> variants(Eigen::Index n, Rng& rng) {
  MatrixXd user = 0.3 * rng.normal_matrix(n, n);
  if (n > 1) {
    for (Eigen::Index i = 0; i < n; ++i) user(i, (3 * i + 1) % n) = kMinusInf;  // masked pairs
  }
  const auto sa = AttentionNormalization::Softmax, usa = AttentionNormalization::Unnormalized;
  return {
      {"SA identity", sa, false, false, 1, {}, 1.0},
      {"USA identity", usa, false, false, 1, {}, 1.0},
      {"SA general A, V", sa, true, true, 1, {}, 2.0},
      {"USA general A, V", usa, true, true, 1, {}, 0.5},
      {"SA two heads", sa, true, true, 2, {}, 1.5},
      {"SA beta 100", sa, false, false, 1, {}, 100.0},
      {"SA beta 0", sa, true, false, 1, {}, 0.0},
      {"SA causal", sa, true, true, 1, {AttentionMask::Causal, 0.0, {}, {}}, 4.0},
      {"USA strict causal", usa, false, true, 1, {AttentionMask::StrictCausal, 0.0, {}, {}}, 1.0},
      {"SA alibi", sa, false, false, 1, {AttentionMask::None, 2.5, {}, {}}, 3.0},
      {"SA causal + alibi, beta 100",
       sa,
       false,
       false,
       1,
       {AttentionMask::Causal, 1.0, {}, {}},
       100.0},
      {"SA user bias with -inf", sa, true, false, 1, {AttentionMask::None, 0.0, user, {}}, 2.0},
      {"USA user bias with -inf", usa, false, false, 1, {AttentionMask::None, 0.0, user, {}}, 1.0},
  };
}

AttentionField build(const Variant& v, Eigen::Index d, Rng& rng) {
  std::vector<AttentionHead> heads;
  for (int h = 0; h < v.heads; ++h) {
    const MatrixXd I = MatrixXd::Identity(d, d);
    heads.push_back({v.general_A ? MatrixXd(I + 0.5 * rng.normal_matrix(d, d)) : I,
                     v.general_V ? MatrixXd(0.7 * rng.normal_matrix(d, d)) : I});
  }
  AttentionOptions o;
  o.normalization = v.normalization;
  o.beta = v.beta;
  o.bias = v.bias;
  return AttentionField(d, heads, o);
}

}  // namespace

TEST_CASE("tiled kernel equals the dense oracle for every variant, across tile boundaries") {
  for (const Eigen::Index n : {1, 7, 128, 300, 700}) {
    for (const Eigen::Index d : {2, 9}) {
      Rng rng(static_cast<std::uint64_t>(100 * n + d));
      const MatrixXd X = product::random_point(rng, d, n);
      for (const Variant& v : variants(n, rng)) {
        CAPTURE(v.name);
        CAPTURE(n);
        CAPTURE(d);
        const AttentionField field = build(v, d, rng);
        const AttentionField dense = with_kernel(field, AttentionKernel::Dense);
        if (v.bias.mask == AttentionMask::StrictCausal &&
            v.normalization == AttentionNormalization::Softmax) {
          continue;  // token 0 attends to nothing: both raise (checked below)
        }
        const MatrixXd expected = unprojected(dense, X);
        const MatrixXd tiled = unprojected(field, X);
        CHECK(tiled.allFinite());
        CHECK(relative_difference(tiled, expected) <= 1e-13);
      }
    }
  }
}

TEST_CASE("tiled kernel: time-dependent heads equal the dense oracle") {
  const Eigen::Index d = 4, n = 260;
  Rng rng(5);
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd B = rng.normal_matrix(d, d);
  const HeadSchedule schedule = [B, d](double t) {
    const MatrixXd I = MatrixXd::Identity(d, d);
    return std::vector<AttentionHead>{{I + t * B, I - 0.5 * t * B.transpose()}};
  };
  AttentionOptions tiled, dense;
  tiled.beta = dense.beta = 2.0;
  dense.kernel = AttentionKernel::Dense;
  const AttentionField a(d, schedule, tiled), b(d, schedule, dense);
  for (const double t : {0.0, 0.3, 1.7}) {
    CHECK(relative_difference(unprojected(a, X, t), unprojected(b, X, t)) <= 1e-13);
  }
}

TEST_CASE("tiled kernel: a softmax row without keys is the same error as the dense path") {
  const Eigen::Index d = 3, n = 200;
  Rng rng(6);
  const MatrixXd X = product::random_point(rng, d, n);
  AttentionOptions o;
  o.bias.mask = AttentionMask::StrictCausal;
  const AttentionField tiled = AttentionField::identity(d, o);
  o.kernel = AttentionKernel::Dense;
  const AttentionField dense = AttentionField::identity(d, o);
  CHECK_THROWS_WITH_AS(
      unprojected(tiled, X),
      "attention field: token 1 attends to no token (every weight of its row is masked)",
      InvalidInput);
  CHECK_THROWS_WITH_AS(
      unprojected(dense, X),
      "attention field: token 1 attends to no token (every weight of its row is masked)",
      InvalidInput);
  // A user bias masking a whole row in the second query tile: the smallest such token is named.
  MatrixXd user = MatrixXd::Zero(n, n);
  user.row(150).setConstant(kMinusInf);
  user.row(170).setConstant(kMinusInf);
  AttentionOptions b;
  b.bias.matrix = user;
  CHECK_THROWS_WITH_AS(
      unprojected(AttentionField::identity(d, b), X),
      "attention field: token 151 attends to no token (every weight of its row is masked)",
      InvalidInput);
}

TEST_CASE("tiled kernel: the same bits for every number of threads") {
  const Eigen::Index d = 6, n = 1000;
  Rng rng(7);
  const MatrixXd X = product::random_point(rng, d, n);
  for (const Variant& v : variants(n, rng)) {
    if (v.bias.mask == AttentionMask::StrictCausal &&
        v.normalization == AttentionNormalization::Softmax) {
      continue;
    }
    CAPTURE(v.name);
    const AttentionField field = build(v, d, rng);
    const MatrixXd one = unprojected(with_kernel(field, AttentionKernel::Tiled, 1), X);
    for (const int threads : {2, 3, 7}) {
      CHECK((unprojected(with_kernel(field, AttentionKernel::Tiled, threads), X).array() ==
             one.array())
                .all());
    }
  }
  CHECK(attention_log_energy(X, MatrixXd::Identity(d, d), 2.0, 1) ==
        attention_log_energy(X, MatrixXd::Identity(d, d), 2.0, 3));
}

TEST_CASE("single precision: within 1e-5 relative of double, and thread-invariant") {
  const Eigen::Index d = 16, n = 600;
  Rng rng(8);
  const MatrixXd X = product::random_point(rng, d, n);
  for (const double beta : {1.0, 10.0}) {
    AttentionOptions o;
    o.beta = beta;
    const AttentionField field = AttentionField::identity(d, o);
    const MatrixXd reference = unprojected(field, X);
    const MatrixXd single =
        unprojected(with_kernel(field, AttentionKernel::Tiled, 1, Precision::Single), X);
    CHECK(relative_difference(single, reference) <= 1e-5);
    CHECK(relative_difference(single, reference) > 0.0);  // it really ran in float
    CHECK(
        (unprojected(with_kernel(field, AttentionKernel::Tiled, 2, Precision::Single), X).array() ==
         single.array())
            .all());
  }
  AttentionOptions bad;
  bad.kernel = AttentionKernel::Dense;
  bad.precision = Precision::Single;
  CHECK_THROWS_AS(AttentionField::identity(d, bad), InvalidInput);
  bad.kernel = AttentionKernel::Tiled;
  bad.precision = Precision::Double;
  bad.threads = -1;
  CHECK_THROWS_AS(AttentionField::identity(d, bad), InvalidInput);
}

TEST_CASE("energies, gradients, dissipation and diagnostics on tiles equal their n×n forms") {
  const Eigen::Index d = 5, n = 530;
  Rng rng(9);
  const MatrixXd X = product::random_point(rng, d, n);
  const MatrixXd A = MatrixXd::Identity(d, d) + 0.4 * rng.normal_matrix(d, d);
  for (const double beta : {0.0, 0.7, 3.0}) {
    CAPTURE(beta);
    const MatrixXd S = X.transpose() * A * X;  // S(i, j) = <x_i, A x_j>
    const MatrixXd K =
        beta == 0.0 ? MatrixXd::Ones(n, n).eval() : (beta * S.array()).exp().matrix().eval();
    const double N = static_cast<double>(n);
    const double energy = beta == 0.0 ? S.sum() / (2 * N * N) : K.sum() / (2 * beta * N * N);
    CHECK(attention_energy(X, A, beta) == doctest::Approx(energy).epsilon(1e-13));
    // The generic template (Jets, Lagrangians) computes the same number the n×n way.
    CHECK(attention_energy<double>(X, A, beta) == doctest::Approx(energy).epsilon(1e-13));
    const MatrixXd gradient = (A * X * K.transpose() + A.transpose() * X * K) / (2 * N * N);
    CHECK(relative_difference(attention_energy_gradient(X, A, beta), gradient) <= 1e-13);
    if (beta > 0) {
      CHECK(attention_log_energy(X, A, beta) == doctest::Approx(std::log(energy)).epsilon(1e-13));
      const Eigen::VectorXd Z = K.rowwise().sum();
      CHECK(relative_difference(log_partition_functions(X, A, beta), Z.array().log().matrix()) <=
            1e-13);
      const MatrixXd F = product::random_tangent(rng, X);
      CHECK(sa_dissipation(X, F, A, beta) ==
            doctest::Approx(Z.dot(F.colwise().squaredNorm().transpose()) / (N * N)).epsilon(1e-13));
    }
  }
  // β = 100 on the sphere: log E stays finite where E overflows.
  CHECK(std::isfinite(attention_log_energy(X, MatrixXd::Identity(d, d), 1000.0)));
  // Tiled Gram diagnostics against the whole Gram matrix.
  MatrixXd Y = product::random_point(rng, 3, 1100);
  for (Eigen::Index i = 0; i < 1100; i += 3) Y.col(i) = Y.col(0);  // one big cluster
  MatrixXd G = Y.transpose() * Y;
  G.diagonal().setConstant(1.0);
  CHECK(min_pairwise_inner_product(Y) == G.minCoeff());
  int big = 0;
  const std::vector<int> labels = cluster_labels(Y, 0.9999999);
  for (Eigen::Index i = 0; i < 1100; i += 3) big += labels[i] == labels[0];
  CHECK(big == 367);
  CHECK(count_clusters(Y, 0.9999999) == 1100 - 366);
}
