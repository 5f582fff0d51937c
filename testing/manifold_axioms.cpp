#include <varsphere/testing/manifold_axioms.hpp>

#include <algorithm>
#include <cmath>

namespace varsphere::testing {

namespace {
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}  // namespace

double ManifoldAxiomErrors::worst_identity() const {
  return std::max({plus_zero, minus_self, minus_plus, plus_minus, jacobian_inverse,
                   right_multiply});
}

ManifoldAxiomErrors manifold_axiom_errors(const ceres::Manifold& M, const Eigen::VectorXd& x,
                                          const Eigen::VectorXd& delta, const Eigen::VectorXd& w,
                                          double h) {
  const int a = M.AmbientSize(), t = M.TangentSize();
  ManifoldAxiomErrors e;
  auto ok = [&e](bool evaluated) { e.all_evaluated = e.all_evaluated && evaluated; };
  Eigen::VectorXd y(a), back(t), z(a);
  ok(M.Plus(x.data(), Eigen::VectorXd::Zero(t).eval().data(), y.data()));
  e.plus_zero = (y - x).norm();
  ok(M.Minus(x.data(), x.data(), back.data()));
  e.minus_self = back.norm();
  ok(M.Plus(x.data(), delta.data(), y.data()));
  ok(M.Minus(y.data(), x.data(), back.data()));
  e.minus_plus = (back - delta).norm() / std::max(1.0, delta.norm());
  ok(M.Minus(w.data(), x.data(), back.data()));
  ok(M.Plus(x.data(), back.data(), z.data()));
  e.plus_minus = (z - w).norm();

  RowMajor JP(a, t), JM(t, a);
  ok(M.PlusJacobian(x.data(), JP.data()));
  ok(M.MinusJacobian(x.data(), JM.data()));
  for (int j = 0; j < t; ++j) {
    Eigen::VectorXd dp = Eigen::VectorXd::Zero(t), dm = Eigen::VectorXd::Zero(t);
    dp(j) = h;
    dm(j) = -h;
    Eigen::VectorXd yp(a), ym(a);
    ok(M.Plus(x.data(), dp.data(), yp.data()));
    ok(M.Plus(x.data(), dm.data(), ym.data()));
    e.plus_jacobian = std::max(e.plus_jacobian, ((yp - ym) / (2 * h) - JP.col(j)).norm());
  }
  for (int j = 0; j < a; ++j) {
    Eigen::VectorXd yp = x, ym = x, mp(t), mm(t);
    yp(j) += h;
    ym(j) -= h;
    ok(M.Minus(yp.data(), x.data(), mp.data()));
    ok(M.Minus(ym.data(), x.data(), mm.data()));
    e.minus_jacobian = std::max(e.minus_jacobian, ((mp - mm) / (2 * h) - JM.col(j)).norm());
  }
  e.jacobian_inverse = (JM * JP - Eigen::MatrixXd::Identity(t, t)).norm() / std::max(1, t);
  // A fixed, deterministic ambient matrix (no hidden random state).
  RowMajor amb(3, a), tan(3, t);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < a; ++c) amb(r, c) = std::sin(1.0 + r + 0.37 * c);
  ok(M.RightMultiplyByPlusJacobian(x.data(), 3, amb.data(), tan.data()));
  e.right_multiply = (tan - amb * JP).norm() / std::max(1, a);
  return e;
}

}  // namespace varsphere::testing
