// A downstream program built against the installed varsphere: it must find the package, include
// the umbrella header and link. It checks one geometric identity so that running it means
// something.
#include <varsphere/varsphere.hpp>

#include <cstdio>

int main() {
  varsphere::Rng rng(1);
  const Eigen::MatrixXd X = varsphere::product::random_point(rng, 3, 4);
  const Eigen::MatrixXd Y = varsphere::product::random_point(rng, 3, 4);
  const double err = (varsphere::product::exp(X, varsphere::product::log(X, Y)) - Y).norm();
  std::printf("exp(log) round trip error %.3g\n", err);
  return err < 1e-13 ? 0 : 1;
}
