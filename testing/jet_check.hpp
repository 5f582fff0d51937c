// Test battery for users (framework-neutral: returns error figures, asserts nothing): derivatives
// of a generic function computed with ceres::Jet against central finite differences of the same
// function in double. Use it on anything you write for double and Jet — a potential, a vector
// field, a Lagrangian's residuals — before handing it to the library.
#pragma once

#include <ceres/jet.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

namespace varsphere::testing {

inline constexpr int kJetSize = 8;
using Jet = ceres::Jet<double, kJetSize>;
using JetVector = Eigen::Matrix<Jet, Eigen::Dynamic, 1>;

/// Seeds the m ≤ kJetSize inputs of `p` as independent Jet variables.
inline JetVector seed_jets(const Eigen::VectorXd& p) {
  JetVector out(p.size());
  for (Eigen::Index k = 0; k < p.size(); ++k) out(k) = Jet(p(k), static_cast<int>(k));
  return out;
}

/// Largest |J_jet − J_fd| / max(1, |J_fd|) over all entries, for f: R^m → R^k (m ≤ kJetSize)
/// written as a generic callable f(vector<T>) -> vector<T>. Central differences with step h: expect
/// O(h²) plus rounding of order 1e-16/h (h = 1e-6 gives about 1e-9).
template <class F>
double max_jacobian_error(const F& f, const Eigen::VectorXd& p, double h) {
  const JetVector out = f(seed_jets(p));
  double worst = 0.0;
  for (Eigen::Index j = 0; j < p.size(); ++j) {
    Eigen::VectorXd plus = p, minus = p;
    plus(j) += h;
    minus(j) -= h;
    const Eigen::VectorXd fd = (f(plus) - f(minus)) / (2.0 * h);
    for (Eigen::Index i = 0; i < fd.size(); ++i) {
      const double err = std::abs(out(i).v(j) - fd(i)) / std::max(1.0, std::abs(fd(i)));
      worst = std::max(worst, err);
    }
  }
  return worst;
}

}  // namespace varsphere::testing
