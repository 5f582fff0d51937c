#include <varsphere/solvers/stationary.hpp>

#include <ceres/gradient_problem.h>
#include <ceres/gradient_problem_solver.h>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <cmath>
#include <varsphere/manifolds/ceres_product_sphere_manifold.hpp>
#include <varsphere/manifolds/product.hpp>
#include <vector>

namespace varsphere {

namespace {
/// σ·E as a Ceres first-order function (σ = −1 turns an ascent into the minimization Ceres does).
class SignedEnergyFunction final : public ceres::FirstOrderFunction {
 public:
  SignedEnergyFunction(const SmoothEnergyView* e, int d, int n, double sign)
      : e_(e), d_(d), n_(n), sign_(sign) {}
  bool Evaluate(const double* x, double* cost, double* gradient) const override {
    const Eigen::Map<const Eigen::MatrixXd> X(x, d_, n_);
    *cost = sign_ * e_->value(Eigen::MatrixXd(X));
    if (gradient != nullptr) {
      Eigen::Map<Eigen::MatrixXd>(gradient, d_, n_) = sign_ * e_->gradient(Eigen::MatrixXd(X));
    }
    return std::isfinite(*cost);
  }
  int NumParameters() const override { return d_ * n_; }

 private:
  const SmoothEnergyView* e_;
  int d_, n_;
  double sign_;
};
}  // namespace

StationaryResult find_stationary_of(const SmoothEnergyView& energy, const Configuration& X0,
                                    Extremum direction, const StationaryOptions& options) {
  validate_configuration(X0, kUnitTolerance, "stationary: start configuration");
  const int d = static_cast<int>(X0.rows()), n = static_cast<int>(X0.cols());
  const double sign = -ascent_sign(direction);  // Ceres minimizes sign·E
  Eigen::MatrixXd X = normalize_columns(X0);
  ceres::GradientProblem problem(new SignedEnergyFunction(&energy, d, n, sign),
                                 new CeresProductSphereManifold(d, n));
  ceres::GradientProblemSolver::Options o;
  o.line_search_direction_type = ceres::LBFGS;
  o.max_num_iterations = options.max_iterations;
  o.gradient_tolerance = 1e-14;
  o.function_tolerance = 1e-16;
  o.parameter_tolerance = 1e-16;
  o.logging_type = ceres::SILENT;
  ceres::GradientProblemSolver::Summary summary;
  ceres::Solve(o, problem, X.data(), &summary);
  StationaryResult r;
  r.iterations = static_cast<int>(summary.iterations.size()) - 1;
  r.status = "L-BFGS: " + summary.message;
  X = normalize_columns(X);
  // Newton on the Riemannian gradient with the exact Hessian: quadratic convergence to the
  // stationary point L-BFGS approached, kept only while the residual decreases.
  double residual = energy.stationarity_residual(X);
  int newton = 0;
  for (int step = 0; step < options.newton_steps && residual > options.tolerance; ++step) {
    const Eigen::MatrixXd B = product::tangent_basis(X);
    const Eigen::MatrixXd G = energy.riemannian_gradient(X);
    const Eigen::VectorXd g = B.transpose() * Eigen::Map<const Eigen::VectorXd>(G.data(), G.size());
    const Eigen::MatrixXd H = B.transpose() * energy.riemannian_hessian(X) * B;
    // Pseudo-inverse on the spectrum: continuous symmetries make H (nearly) singular, and steps
    // along them change nothing.
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(H);
    const Eigen::VectorXd& lambda = eig.eigenvalues();
    const double cut = 1e-9 * std::max(lambda.cwiseAbs().maxCoeff(), 1e-300);
    Eigen::VectorXd coefficients = eig.eigenvectors().transpose() * g;
    for (Eigen::Index k = 0; k < lambda.size(); ++k)
      coefficients(k) = std::abs(lambda(k)) > cut ? coefficients(k) / lambda(k) : 0.0;
    const Eigen::VectorXd delta = -(eig.eigenvectors() * coefficients);
    // Backtracking: a full step can overshoot where the Hessian has soft modes.
    Eigen::MatrixXd next;
    double next_residual = residual;
    for (double scale = 1.0; scale > 1e-3; scale *= 0.5) {
      const Eigen::VectorXd ambient = scale * (B * delta);
      next = product::exp(X, Eigen::Map<const Eigen::MatrixXd>(ambient.data(), d, n));
      next_residual = energy.stationarity_residual(next);
      if (next_residual < residual) break;
    }
    if (!(next_residual < residual)) break;
    X = next;
    residual = next_residual;
    ++newton;
  }
  if (newton > 0) r.status += "; " + std::to_string(newton) + " Newton steps";
  r.X = X;
  r.energy = energy.value(X);
  r.residual = residual;
  r.iterations += newton;
  r.converged = residual <= options.tolerance;
  return r;
}

Classification classify_hessian(const Eigen::MatrixXd& hessian, const Eigen::MatrixXd& D,
                                const Eigen::MatrixXd& X, double tol) {
  const Eigen::Index d = X.rows(), n = X.cols();
  // Skew matrices commuting with D: null space of Ω ↦ ΩD − DΩ on the basis E_ab − E_ba.
  std::vector<Eigen::MatrixXd> skew;
  for (Eigen::Index a = 0; a < d; ++a)
    for (Eigen::Index b = a + 1; b < d; ++b) {
      Eigen::MatrixXd O = Eigen::MatrixXd::Zero(d, d);
      O(a, b) = 1, O(b, a) = -1;
      skew.push_back(O);
    }
  Eigen::MatrixXd C(d * d, skew.size());
  for (std::size_t s = 0; s < skew.size(); ++s) {
    const Eigen::MatrixXd M = skew[s] * D - D * skew[s];
    C.col(s) = Eigen::Map<const Eigen::VectorXd>(M.data(), M.size());
  }
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(C, Eigen::ComputeFullV);
  const double big = std::max(1.0, svd.singularValues().size() ? svd.singularValues()(0) : 1.0);
  const Eigen::MatrixXd B = product::tangent_basis(X);
  Eigen::MatrixXd generators(n * (d - 1), 0);
  for (Eigen::Index s = 0; s < static_cast<Eigen::Index>(skew.size()); ++s) {
    const double sigma = s < svd.singularValues().size() ? svd.singularValues()(s) : 0.0;
    if (sigma > 1e-10 * big) continue;
    Eigen::MatrixXd O = Eigen::MatrixXd::Zero(d, d);
    for (std::size_t t = 0; t < skew.size(); ++t) O += svd.matrixV()(t, s) * skew[t];
    const Eigen::MatrixXd V = O * X;  // the orbit direction (Ωx_i)_i
    const Eigen::VectorXd v = B.transpose() * Eigen::Map<const Eigen::VectorXd>(V.data(), V.size());
    if (v.norm() > 1e-12) {
      generators.conservativeResize(Eigen::NoChange, generators.cols() + 1);
      generators.col(generators.cols() - 1) = v;
    }
  }
  // Orthonormal complement of the orbit directions.
  Eigen::MatrixXd Q = Eigen::MatrixXd::Identity(n * (d - 1), n * (d - 1));
  Classification c;
  if (generators.cols() > 0) {
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(generators);
    qr.setThreshold(1e-10);
    c.symmetry_dimension = static_cast<int>(qr.rank());
    const Eigen::MatrixXd full = qr.householderQ();
    Q = full.rightCols(n * (d - 1) - c.symmetry_dimension);
  }
  if (Q.cols() == 0) {
    // Every tangent direction is a symmetry orbit (e.g. one token with D = I): the stationary
    // point lies on a manifold of stationary points, so it is not isolated, and Eigen's
    // eigensolver must not see a 0×0 matrix.
    c.eigenvalues.resize(0);
    c.kind = "degenerate";
    return c;
  }
  const Eigen::MatrixXd H = Q.transpose() * B.transpose() * hessian * B * Q;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(H, Eigen::EigenvaluesOnly);
  c.eigenvalues = eig.eigenvalues();
  const double scale = c.eigenvalues.size() ? c.eigenvalues.cwiseAbs().maxCoeff() : 0.0;
  for (Eigen::Index k = 0; k < c.eigenvalues.size(); ++k) {
    const double l = c.eigenvalues(k);
    if (std::abs(l) <= tol * std::max(scale, 1e-300)) {
      ++c.zero_modes;
    } else if (l > 0) {
      ++c.positive;
    } else {
      ++c.negative;
    }
  }
  if (c.positive > 0 && c.negative > 0) {
    c.kind = "saddle";
  } else if (c.zero_modes > 0) {
    c.kind = "degenerate";
  } else {
    c.kind = c.negative > 0 ? "maximum" : "minimum";
  }
  return c;
}

}  // namespace varsphere
