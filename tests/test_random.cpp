// Seeded random numbers: reproducible for a seed, and uniform on the sphere (moments within a
// few standard errors).
#include <doctest/doctest.h>

#include <cmath>
#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/product.hpp>

using namespace varsphere;

TEST_CASE("a seed determines the stream; different seeds differ") {
  Rng a(7), b(7), c(8);
  const Eigen::MatrixXd Xa = product::random_point(a, 4, 10);
  const Eigen::MatrixXd Xb = product::random_point(b, 4, 10);
  const Eigen::MatrixXd Xc = product::random_point(c, 4, 10);
  CHECK((Xa - Xb).norm() == 0.0);
  CHECK((Xa - Xc).norm() > 0.1);
  // The first output of mt19937_64 is fixed by the C++ standard (10000th value for seed 5489 is
  // 9981545732273789042); uniform() keeps its top 53 bits.
  Rng standard(5489);
  for (int k = 0; k < 9999; ++k) standard.next_u64();
  CHECK(standard.next_u64() == 9981545732273789042ULL);
}

TEST_CASE("uniform points on S^{d-1}: mean 0, second moments 1/d (within 5 standard errors)") {
  Rng rng(42);
  const int n = 20000;
  for (int d : {2, 3, 10}) {
    CAPTURE(d);
    const Eigen::MatrixXd X = product::random_point(rng, d, n);
    CHECK((X.colwise().norm().array() - 1.0).abs().maxCoeff() <= 4e-16);
    const Eigen::VectorXd mean = X.rowwise().mean();
    const double se_mean = std::sqrt(1.0 / d / n);
    CHECK(mean.cwiseAbs().maxCoeff() <= 5 * se_mean);
    const Eigen::MatrixXd second = X * X.transpose() / n;
    // Var(x_k²) = E[x_k⁴] − 1/d² = 3/(d(d+2)) − 1/d².
    const double se_second = std::sqrt((3.0 / (d * (d + 2.0)) - 1.0 / (d * d)) / n);
    CHECK((second.diagonal().array() - 1.0 / d).abs().maxCoeff() <= 5 * se_second);
  }
}

TEST_CASE("normal variates have mean 0 and variance 1; tangent vectors are tangent") {
  Rng rng(43);
  const int n = 40000;
  double s = 0, s2 = 0;
  for (int k = 0; k < n; ++k) {
    const double z = rng.normal();
    s += z;
    s2 += z * z;
  }
  CHECK(std::abs(s / n) <= 5 / std::sqrt(double(n)));
  CHECK(std::abs(s2 / n - 1.0) <= 5 * std::sqrt(2.0 / n));
  const Eigen::MatrixXd X = product::random_point(rng, 6, 50);
  const Eigen::MatrixXd V = product::random_tangent(rng, X);
  CHECK(X.cwiseProduct(V).colwise().sum().cwiseAbs().maxCoeff() <= 1e-15);
}
