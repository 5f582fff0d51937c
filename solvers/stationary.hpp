// Stationary points of an energy on (S^{d−1})^n and their classification (docs/math.md §4, BKKRW).
//
// find_stationary(energy, X0, direction): L-BFGS (ceres::GradientProblem on the product sphere
// manifold) on ∓E from X0, then Newton steps with the exact Riemannian Hessian, until the
// stationarity residual is ≤ tolerance (1e-10 by default). The energy is any SmoothEnergy
// (below; InteractionEnergy is one); the solver is compiled once in the library and reaches the
// energy through the virtual interface that SmoothEnergyRef implements.
//
// classify(energy, X): the spectrum of the Riemannian Hessian on the tangent space of the product,
// with the directions of the continuous symmetries removed — the rotations X ↦ QX with Q ∈ SO(d)
// and QD = DQ leave E invariant, so their generators (Ωx_i)_i, Ω skew with ΩD = DΩ, are zero
// modes at every stationary point. The rest decides: all eigenvalues < −tol: strict local maximum,
// all > tol: strict local minimum, both signs: saddle; remaining near-zero eigenvalues make it
// "degenerate" (reported with their count).
#pragma once

#include <Eigen/Core>
#include <concepts>
#include <string>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/extremum.hpp>

namespace varsphere {

struct StationaryOptions {
  double tolerance = 1e-10;  ///< on the stationarity residual
  int max_iterations = 5000;
  int newton_steps = 30;
};

struct StationaryResult {
  Configuration X;
  double energy = 0;
  double residual = 0;
  int iterations = 0;
  bool converged = false;
  std::string status;
};

/// What find_stationary needs of an energy E on (S^{d−1})^n (d×n configurations):
///     double operator()(X)                     E(X)
///     Eigen::MatrixXd gradient(X)              Euclidean ∇E (d×n)
///     Eigen::MatrixXd riemannian_gradient(X)   P_X ∇E
///     Eigen::MatrixXd riemannian_hessian(X)    (nd)×(nd), ambient, token-major
///     double stationarity_residual(X)          max_i |P_{x_i} ∇_{x_i} E|
/// and classify additionally `const Eigen::MatrixXd& D()`: the matrix whose commuting rotations
/// are symmetries of E.
template <class E>
concept SmoothEnergy = requires(const E& e, const Eigen::MatrixXd& X) {
  { e(X) } -> std::convertible_to<double>;
  { e.gradient(X) } -> std::convertible_to<Eigen::MatrixXd>;
  { e.riemannian_gradient(X) } -> std::convertible_to<Eigen::MatrixXd>;
  { e.riemannian_hessian(X) } -> std::convertible_to<Eigen::MatrixXd>;
  { e.stationarity_residual(X) } -> std::convertible_to<double>;
};

/// The type-erased view of a SmoothEnergy that the compiled solver uses.
class SmoothEnergyView {
 public:
  virtual ~SmoothEnergyView() = default;
  virtual double value(const Eigen::MatrixXd& X) const = 0;
  virtual Eigen::MatrixXd gradient(const Eigen::MatrixXd& X) const = 0;
  virtual Eigen::MatrixXd riemannian_gradient(const Eigen::MatrixXd& X) const = 0;
  virtual Eigen::MatrixXd riemannian_hessian(const Eigen::MatrixXd& X) const = 0;
  virtual double stationarity_residual(const Eigen::MatrixXd& X) const = 0;
};

template <SmoothEnergy Energy>
class SmoothEnergyRef final : public SmoothEnergyView {
 public:
  explicit SmoothEnergyRef(const Energy& e) : e_(e) {}
  double value(const Eigen::MatrixXd& X) const override { return e_(X); }
  Eigen::MatrixXd gradient(const Eigen::MatrixXd& X) const override { return e_.gradient(X); }
  Eigen::MatrixXd riemannian_gradient(const Eigen::MatrixXd& X) const override {
    return e_.riemannian_gradient(X);
  }
  Eigen::MatrixXd riemannian_hessian(const Eigen::MatrixXd& X) const override {
    return e_.riemannian_hessian(X);
  }
  double stationarity_residual(const Eigen::MatrixXd& X) const override {
    return e_.stationarity_residual(X);
  }

 private:
  const Energy& e_;
};

/// The compiled solver behind find_stationary.
StationaryResult find_stationary_of(const SmoothEnergyView& energy, const Configuration& X0,
                                    Extremum direction, const StationaryOptions& options);

template <SmoothEnergy Energy>
StationaryResult find_stationary(const Energy& energy, const Configuration& X0, Extremum direction,
                                 const StationaryOptions& options = {}) {
  return find_stationary_of(SmoothEnergyRef<Energy>(energy), X0, direction, options);
}

struct Classification {
  std::string kind;             ///< "maximum", "minimum", "saddle" or "degenerate"
  Eigen::VectorXd eigenvalues;  ///< of the Hessian with the symmetry directions removed
  int symmetry_dimension = 0;   ///< dimension of the removed symmetry orbit directions
  int zero_modes = 0;           ///< further |λ| ≤ tol·max|λ|
  int positive = 0, negative = 0;
};

/// Classifies the stationary point X from the Riemannian Hessian H ((nd)×(nd), ambient) with the
/// rotations commuting with D removed (their orbit directions are zero modes). When the orbit
/// directions span the whole tangent space (one token with D = I) nothing is left: the point is
/// not isolated and the kind is "degenerate" with no eigenvalues.
Classification classify_hessian(const Eigen::MatrixXd& H, const Eigen::MatrixXd& D,
                                const Eigen::MatrixXd& X, double tol = 1e-7);

template <class Energy>
requires SmoothEnergy<Energy> && requires(const Energy& e) {
  { e.D() } -> std::convertible_to<Eigen::MatrixXd>;
}
Classification classify(const Energy& energy, const Eigen::MatrixXd& X, double tol = 1e-7) {
  return classify_hessian(energy.riemannian_hessian(X), energy.D(), X, tol);
}

}  // namespace varsphere
