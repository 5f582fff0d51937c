// (S^{d−1})^n as one ceres::Manifold (ambient n·d, tangent n·(d−1)), token by token through
// CeresSphereManifold: Plus is the product exp, Minus the product log (failing at a cut locus),
// Jacobians block-diagonal. For solvers that take a single parameter vector, such as
// ceres::GradientProblem.
#pragma once

#include <ceres/manifold.h>

#include <varsphere/manifolds/ceres_sphere_manifold.hpp>

namespace varsphere {

class CeresProductSphereManifold final : public ceres::Manifold {
 public:
  CeresProductSphereManifold(int d, int n);

  int AmbientSize() const override { return d_ * n_; }
  int TangentSize() const override { return (d_ - 1) * n_; }

  bool Plus(const double* x, const double* delta, double* out) const override;
  /// The (nd)×(n(d−1)) block-diagonal Jacobian of Plus at δ = 0 (row-major).
  bool PlusJacobian(const double* x, double* jacobian) const override;
  /// ambient (num_rows × nd) times PlusJacobian, block by block: O(num_rows·n·d²) and no dense
  /// (nd)×(n(d−1)) matrix (Ceres' default forms one on every gradient evaluation).
  bool RightMultiplyByPlusJacobian(const double* x, int num_rows, const double* ambient_matrix,
                                   double* tangent_matrix) const override;
  bool Minus(const double* y, const double* x, double* out) const override;
  bool MinusJacobian(const double* x, double* jacobian) const override;

 private:
  // Row-major rows×cols matrix with n blocks of size br×bc on the diagonal.
  bool block_diagonal(const double* x, double* jacobian, int rows, int cols, int br, int bc,
                      bool plus) const;

  CeresSphereManifold sphere_;
  int d_, n_;
};

}  // namespace varsphere
