#include <varsphere/solvers/discrete_lagrangian.hpp>

#include <varsphere/core/error.hpp>
#include <varsphere/core/jet_gradient.hpp>

namespace varsphere {

DiscreteRule parse_discrete_rule(const std::string& name) {
  if (name == "midpoint") return DiscreteRule::Midpoint;
  if (name == "left") return DiscreteRule::LeftEndpoint;
  throw InvalidInput("unknown discrete rule '" + name + "' (midpoint, left)");
}

std::string to_string(DiscreteRule rule) {
  return rule == DiscreteRule::Midpoint ? "midpoint" : "left";
}

bool step_state_jacobian(DiscreteRule rule, const Eigen::VectorXd& xa, const Eigen::VectorXd& xb,
                         double h, Eigen::VectorXd& m, Eigen::VectorXd& v,
                         Eigen::MatrixXd& jacobian) {
  const Eigen::Index d = xa.size();
  Eigen::VectorXd ab(2 * d), mv;
  ab << xa, xb;
  bool ok = true;
  value_and_jacobian(
      [&](const auto& z) {
        using J = typename std::decay_t<decltype(z)>::Scalar;
        Mat<J> Mj, Vj;
        ok = ok && step_state(rule, Mat<J>(z.head(d)), Mat<J>(z.tail(d)), h, Mj, Vj);
        Vec<J> out(2 * d);
        if (ok) {
          out << Mj.col(0), Vj.col(0);
        } else {
          out.setZero();
        }
        return out;
      },
      ab, mv, jacobian);
  m = mv.head(d);
  v = mv.tail(d);
  return ok;
}

bool step_state_jacobians(DiscreteRule rule, const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                          double h, Eigen::MatrixXd& M, Eigen::MatrixXd& V,
                          std::vector<Eigen::MatrixXd>& local) {
  const Eigen::Index d = Xa.rows(), n = Xa.cols();
  M.resize(d, n);
  V.resize(d, n);
  local.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    Eigen::VectorXd m, v;
    if (!step_state_jacobian(rule, Xa.col(i), Xb.col(i), h, m, v, local[i])) return false;
    M.col(i) = m;
    V.col(i) = v;
  }
  return true;
}

}  // namespace varsphere
