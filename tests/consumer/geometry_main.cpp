// A downstream program that needs only the geometry: it includes <varsphere/geometry.hpp> alone
// and checks a closed form (the geodesic midpoint is equidistant from both ends, at half the
// distance) so that running it means something.
#include <cmath>
#include <cstdio>
#include <varsphere/geometry.hpp>

int main() {
  varsphere::Rng rng(7);
  const Eigen::MatrixXd X = varsphere::product::random_point(rng, 4, 5);
  const Eigen::MatrixXd Y = varsphere::product::random_point(rng, 4, 5);
  const Eigen::MatrixXd M = varsphere::product::geodesic(X, Y, 0.5);
  const double d = varsphere::product::distance(X, Y);
  const double err = std::abs(varsphere::product::distance(X, M) - 0.5 * d) +
                     std::abs(varsphere::product::distance(M, Y) - 0.5 * d);
  std::printf("geodesic midpoint error %.3g\n", err);
  return err < 1e-13 ? 0 : 1;
}
