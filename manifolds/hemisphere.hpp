// Open hemispheres (docs/math.md §2, item 3; GLPR's cone collapse): all tokens lie in an open
// hemisphere iff some w has ⟨w, x_i⟩ > 0 for every i. For points in general position the cone
// {w : ⟨w, x_i⟩ ≥ 0} is then a polyhedral cone with interior whose extreme rays are orthogonal to
// d − 1 of the points, so it suffices to test w = ±(the normal of d − 1 points), with the points
// that define it counted as inside (a small rotation of w makes them strictly positive).
// Wendel (1962): for n i.i.d. uniform points on S^{d−1},
//     P(all in an open hemisphere) = 2^{−(n−1)} Σ_{k=0}^{d−1} C(n−1, k).
#pragma once

#include <Eigen/Core>
#include <Eigen/Geometry>
#include <cmath>
#include <varsphere/core/error.hpp>

namespace varsphere {

/// Whether the columns of X (d = 2 or 3, general position) lie in a common open hemisphere.
inline bool in_open_hemisphere(const Eigen::MatrixXd& X) {
  const Eigen::Index d = X.rows(), n = X.cols();
  if (d != 2 && d != 3) throw InvalidInput("in_open_hemisphere: implemented for d = 2 and 3");
  if (n <= d - 1) return true;
  auto all_positive = [&](const Eigen::VectorXd& w, Eigen::Index a, Eigen::Index b) {
    for (Eigen::Index i = 0; i < n; ++i) {
      if (i != a && i != b && !(w.dot(X.col(i)) > 0)) return false;
    }
    return true;
  };
  for (Eigen::Index a = 0; a < n; ++a) {
    if (d == 2) {
      const Eigen::Vector2d w(-X(1, a), X(0, a));
      if (all_positive(w, a, a) || all_positive(-w, a, a)) return true;
      continue;
    }
    for (Eigen::Index b = a + 1; b < n; ++b) {
      const Eigen::Vector3d w = Eigen::Vector3d(X.col(a)).cross(Eigen::Vector3d(X.col(b)));
      if (all_positive(w, a, b) || all_positive(-w, a, b)) return true;
    }
  }
  return false;
}

/// Wendel's probability that n uniform points on S^{d−1} lie in an open hemisphere.
inline double wendel_probability(int n, int d) {
  if (n < 1 || d < 1) throw InvalidInput("wendel_probability: n and d must be positive");
  double sum = 0.0, binomial = 1.0;  // C(n−1, k)
  for (int k = 0; k <= d - 1 && k <= n - 1; ++k) {
    sum += binomial;
    binomial = binomial * (n - 1 - k) / (k + 1);
  }
  return sum * std::pow(2.0, -(n - 1));
}

}  // namespace varsphere
