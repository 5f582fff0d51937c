// The equiangular reduction of the attention flows (MATH.md §2, item 4; GLPR). If
// ⟨x_i(0), x_j(0)⟩ = ρ0 for all i ≠ j, the flow with Q = K = V = I keeps the configuration
// equiangular and ρ(t) solves the scalar ODE
//     SA:  ρ' = 2 e^{βρ}(1−ρ)((n−1)ρ+1) / (e^β + (n−1)e^{βρ}) / r,
//     USA: ρ' = (2/n) e^{βρ}(1−ρ)((n−1)ρ+1) / r,
// where r ≡ 1 for Post-LN; for Pre-LN r = |z_i| is the norm of the unnormalized stream, with
// r' = ⟨x_i, Σ_j w_ij x_j⟩ = (w_self + (n−1) w_other ρ) (so r grows linearly and 1 − ρ ~ 1/t²
// instead of e^{−2t}).
#pragma once

#include <Eigen/Core>
#include <array>
#include <boost/numeric/odeint.hpp>
#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <vector>

namespace varsphere {

/// n ≤ d unit vectors with ⟨x_i, x_j⟩ = ρ for i ≠ j (−1/(n−1) < ρ < 1): x_i = a e_i + b·1 with
/// a² = 1 − ρ and b = (−a + sqrt(a² + nρ))/n.
inline Eigen::MatrixXd equiangular_configuration(Eigen::Index d, Eigen::Index n, double rho) {
  if (n > d) throw InvalidInput("equiangular configuration: needs n <= d");
  if (!(rho < 1) || !(rho > -1.0 / double(n - 1 > 0 ? n - 1 : 1))) {
    throw InvalidInput("equiangular configuration: rho must lie in (-1/(n-1), 1)");
  }
  const double a = std::sqrt(1 - rho);
  const double b = (-a + std::sqrt(a * a + double(n) * rho)) / double(n);
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(d, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    X.col(i).head(n).setConstant(b);
    X(i, i) += a;
  }
  return X;
}

/// max − min of ⟨x_i, x_j⟩ over i ≠ j: zero exactly when X is equiangular.
inline double equiangular_spread(const Eigen::MatrixXd& X) {
  const Eigen::MatrixXd G = X.transpose() * X;
  double lo = 1e300, hi = -1e300;
  for (Eigen::Index i = 0; i < G.rows(); ++i)
    for (Eigen::Index j = 0; j < G.cols(); ++j)
      if (i != j) lo = std::min(lo, G(i, j)), hi = std::max(hi, G(i, j));
  return hi - lo;
}

/// The right-hand side of the (ρ, r) system above.
struct EquiangularOde {
  AttentionWeights weights = AttentionWeights::Softmax;
  double beta = 1.0;
  int n = 2;
  bool pre_ln = false;
  void operator()(const std::array<double, 2>& s, std::array<double, 2>& ds, double) const {
    const double rho = s[0], r = s[1];
    const double self = std::exp(beta), other = std::exp(beta * rho);
    const double norm = weights == AttentionWeights::Softmax ? self + (n - 1) * other : n;
    ds[0] = 2 * other * (1 - rho) * ((n - 1) * rho + 1) / norm / r;
    ds[1] = pre_ln ? (self + (n - 1) * other * rho) / norm : 0.0;
  }
};

/// ρ at each of the increasing `times` (≥ 0) from ρ(0) = rho0, r(0) = 1, by adaptive dopri5 with
/// absolute and relative tolerance `tol`.
inline std::vector<double> equiangular_rho(const EquiangularOde& ode, double rho0,
                                           const std::vector<double>& times, double tol = 1e-14) {
  namespace odeint = boost::numeric::odeint;
  std::array<double, 2> s{rho0, 1.0};
  double t = 0.0;
  std::vector<double> out;
  for (double target : times) {
    if (target > t) {
      odeint::integrate_adaptive(
          odeint::make_controlled(tol, tol, odeint::runge_kutta_dopri5<std::array<double, 2>>()),
          ode, s, t, target, 1e-3);
      t = target;
    }
    out.push_back(s[0]);
  }
  return out;
}

}  // namespace varsphere
