// Must NOT compile: a Lagrangian written for double only cannot be differentiated by the library,
// and solve_bvp refuses it through the concept varsphere::Lagrangian (tests/CMakeLists.txt checks
// that the build fails with one error naming the concept).
#include <varsphere/solvers/el_bvp.hpp>

struct DoubleOnly {
  double operator()(double, const Eigen::MatrixXd&, const Eigen::MatrixXd& V) const {
    return 0.5 * V.squaredNorm();
  }
};

int main() {
  const Eigen::MatrixXd X = Eigen::MatrixXd::Identity(3, 2);
  return varsphere::solve_bvp(DoubleOnly{}, X, X, 1.0, 4).converged ? 0 : 1;
}
