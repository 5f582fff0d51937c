// A user-defined Lagrangian solved by varsphere's BVP solver without touching library code:
// motion that is expensive near the north pole,
//     L(t, X, V) = ½ Σ_i (1 + α ⟨x_i, e_3⟩²) |v_i|²,
// i.e. the geodesics of a conformally distorted metric on S². The user writes operator() only;
// the discrete Lagrangian, its Euler–Lagrange equations, their solution and checkEL come for free.
// The optimal path bends away from the pole, so its action is below that of the great circle,
// which is where the solve starts.
#include <cstdio>
#include <varsphere/functionals/lagrangian.hpp>
#include <varsphere/geometry.hpp>
#include <varsphere/solvers/check_el.hpp>
#include <varsphere/solvers/discrete_action.hpp>
#include <varsphere/solvers/el_bvp.hpp>

struct PoleAvoidingLagrangian {
  double alpha;
  template <class T>
  T operator()(const T& /*t*/, const varsphere::Mat<T>& X, const varsphere::Mat<T>& V) const {
    T total = T(0);
    for (Eigen::Index i = 0; i < X.cols(); ++i) {
      total += T(0.5) * (T(1) + T(alpha) * X(2, i) * X(2, i)) * V.col(i).squaredNorm();
    }
    return total;
  }
};

int main() {
  using namespace varsphere;
  // One token travelling a quarter turn at latitude ~37°: the great circle rises toward the pole.
  Eigen::MatrixXd X0(3, 1), X1(3, 1);
  X0 << 0.8, 0, 0.6;
  X1 << 0, 0.8, 0.6;
  const double T = 1.0;
  const int K = 64;
  const PoleAvoidingLagrangian L{4.0};

  const BvpResult r = solve_bvp(L, X0, X1, T, K);
  Trajectory great_circle;
  for (int k = 0; k <= K; ++k)
    great_circle.push_back(k * T / K, product::geodesic(X0, X1, double(k) / K));
  const double geodesic_action = discrete_action(L, DiscreteRule::Midpoint, great_circle);
  const double highest = r.path.frames[K / 2](2, 0);

  std::printf("%s after %d iterations (%s)\n", r.converged ? "converged" : "NOT converged",
              r.iterations, method_label(r).c_str());
  std::printf("action: optimal path %.8f, great circle %.8f\n", r.action, geodesic_action);
  std::printf("height of the midpoint: optimal path %.4f, great circle %.4f\n", highest,
              great_circle.frames[K / 2](2, 0));
  std::printf("DEL residual %.2e; checkEL of the continuous equation along the path %.2e\n",
              r.del_residual_max, check_el(L, r.path).max_residual);
  return r.converged && r.action < geodesic_action && highest < great_circle.frames[K / 2](2, 0)
             ? 0
             : 1;
}
