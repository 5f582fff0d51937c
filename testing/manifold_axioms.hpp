// Test battery for users (framework-neutral: returns error figures): the axioms of a
// ceres::Manifold at a point — the contract Ceres relies on. varsphere's own manifolds pass it
// (tests/test_ceres_manifold.cpp); run it on a manifold you write for Ceres.
#pragma once

#include <ceres/manifold.h>

#include <Eigen/Core>

namespace varsphere::testing {

/// Each figure is an error norm; the expected size is given next to it for a correct manifold in
/// double precision.
struct ManifoldAxiomErrors {
  double plus_zero = 0;         ///< |Plus(x, 0) − x|                         ~1e-16
  double minus_self = 0;        ///< |Minus(x, x)|                             ~1e-16
  double minus_plus = 0;        ///< |Minus(Plus(x, δ), x) − δ| / max(1, |δ|)  ~1e-15
  double plus_minus = 0;        ///< |Plus(x, Minus(w, x)) − w|               ~1e-15
  double plus_jacobian = 0;     ///< PlusJacobian vs central differences      ~1e-9 (h = 1e-6)
  double minus_jacobian = 0;    ///< MinusJacobian vs central differences     ~1e-9
  double jacobian_inverse = 0;  ///< |MinusJacobian·PlusJacobian − I|         ~1e-15
  double right_multiply = 0;    ///< RightMultiplyByPlusJacobian vs A·PlusJacobian  ~1e-15
  bool all_evaluated = true;    ///< false if some call returned false (a cut locus, a bug)
  double worst_identity() const;  ///< the largest of the exact-identity figures (not the FD ones)
};

/// Checks at x (ambient) with tangent step δ and another point w; h is the difference step.
ManifoldAxiomErrors manifold_axiom_errors(const ceres::Manifold& M, const Eigen::VectorXd& x,
                                          const Eigen::VectorXd& delta, const Eigen::VectorXd& w,
                                          double h = 1e-6);

}  // namespace varsphere::testing
