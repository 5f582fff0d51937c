// A user-defined vector field integrated by varsphere without touching library code: attention
// with a Gaussian kernel instead of the exponential one,
//   ẋ_i = P_{x_i}( Σ_j k(x_i, x_j) x_j / Σ_j k(x_i, x_j) ),  k(x, y) = exp(−|x − y|²/(2σ²)),
// which on the sphere equals SA with β = 1/σ² (|x − y|² = 2 − 2⟨x, y⟩ and the constant cancels).
// The program integrates both and prints their distance, which is at rounding level.
#include <cstdio>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/geometry.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

struct GaussianKernelAttention {
  double sigma;
  // The only requirement: a tangent velocity dX for the configuration X at time t.
  void operator()(double /*t*/, const Eigen::MatrixXd& X, Eigen::MatrixXd& dX) const {
    const Eigen::Index n = X.cols();
    dX.resize(X.rows(), n);
    for (Eigen::Index i = 0; i < n; ++i) {
      Eigen::VectorXd num = Eigen::VectorXd::Zero(X.rows());
      double den = 0;
      for (Eigen::Index j = 0; j < n; ++j) {
        const double k = std::exp(-(X.col(i) - X.col(j)).squaredNorm() / (2 * sigma * sigma));
        num += k * X.col(j);
        den += k;
      }
      dX.col(i) = varsphere::sphere::tangent_project(X.col(i), num / den);
    }
  }
};

int main() {
  using namespace varsphere;
  Rng rng(7);
  const Configuration X0 = product::random_point(rng, 3, 24);
  const double sigma = 0.5;
  FlowOptions options;
  options.scheme = FlowScheme::Dopri5;
  options.rtol = 1e-11;
  options.atol = 1e-12;
  const FlowResult user = integrate(GaussianKernelAttention{sigma}, X0, 0.0, 10.0, options);
  const AttentionField sa =
      AttentionField::identity(3, {AttentionNormalization::Softmax, 1 / (sigma * sigma)});
  const FlowResult library = integrate(sa, X0, 0.0, 10.0, options);
  std::printf("clusters at T = 10: %d (user field), %d (library SA)\n",
              count_clusters(user.final_state), count_clusters(library.final_state));
  std::printf("distance between the two final configurations: %.2e\n",
              product::distance(user.final_state, library.final_state));
  return product::distance(user.final_state, library.final_state) < 1e-8 ? 0 : 1;
}
