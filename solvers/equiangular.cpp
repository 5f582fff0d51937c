#include <varsphere/solvers/equiangular.hpp>

#include <algorithm>
#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/solvers/detail/odeint_eigen.hpp>

namespace varsphere {

Eigen::MatrixXd equiangular_configuration(Eigen::Index d, Eigen::Index n, double rho) {
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

double equiangular_spread(const Eigen::MatrixXd& X) {
  const Eigen::MatrixXd G = X.transpose() * X;
  double lo = 1e300, hi = -1e300;
  for (Eigen::Index i = 0; i < G.rows(); ++i)
    for (Eigen::Index j = 0; j < G.cols(); ++j)
      if (i != j) lo = std::min(lo, G(i, j)), hi = std::max(hi, G(i, j));
  return hi - lo;
}

void EquiangularOde::operator()(const std::array<double, 2>& s, std::array<double, 2>& ds,
                                double) const {
  const double rho = s[0], r = s[1];
  const double self = std::exp(beta), other = std::exp(beta * rho);
  const double norm = normalization == AttentionNormalization::Softmax ? self + (n - 1) * other : n;
  const double ws = self / norm, wo = other / norm;
  const double base = 2 * other * (1 - rho) * ((n - 1) * rho + 1) / norm;
  const double radial = (self + (n - 1) * other * rho) / norm;
  const double D = std::sqrt(ws * ws + 2 * ws * wo * (n - 1) * rho +
                             wo * wo * (n - 1) * (1 + (n - 2) * rho));
  switch (placement) {
    case LayerNormPlacement::Post:
      ds = {base, 0.0};
      break;
    case LayerNormPlacement::Pre:
      ds = {base / r, radial};
      break;
    case LayerNormPlacement::Peri:
      ds = {base / (D * r), radial / D};
      break;
    case LayerNormPlacement::NGPT:
      ds = {ngpt_alpha * base / D, 0.0};
      break;
  }
}

std::vector<double> equiangular_rho(const EquiangularOde& ode, double rho0,
                                    const std::vector<double>& times, double tol) {
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
