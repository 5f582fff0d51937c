// A ceres::Manifold for one factor S^{d-1}, built on varsphere's own exp and log.
//
// With B(x) the orthonormal tangent basis of sphere::tangent_basis (d×(d−1)):
//   Plus(x, δ)  = exp_x(B(x) δ),          PlusJacobian(x)  = B(x)      (d × (d−1)),
//   Minus(y, x) = B(x)ᵀ log_x(y),         MinusJacobian(x) = B(x)ᵀ     ((d−1) × d),
// so Ceres parameter blocks move along geodesics and stay on the sphere, and the tangent
// coordinates have the Riemannian scale (‖δ‖ = geodesic distance moved). Ceres 2.1's own
// SphereManifold uses a half-angle scale that later versions changed; varsphere does not use it.
// Minus returns false (Ceres then treats the step as failed) at the cut locus y = −x.
#pragma once

#include <ceres/manifold.h>

namespace varsphere {

class CeresSphereManifold final : public ceres::Manifold {
 public:
  /// `ambient_dimension` is d ≥ 2 (the sphere S^{d-1} ⊂ R^d); throws InvalidInput otherwise.
  explicit CeresSphereManifold(int ambient_dimension);

  int AmbientSize() const override { return d_; }
  int TangentSize() const override { return d_ - 1; }

  bool Plus(const double* x, const double* delta, double* x_plus_delta) const override;
  bool PlusJacobian(const double* x, double* jacobian) const override;
  bool Minus(const double* y, const double* x, double* y_minus_x) const override;
  bool MinusJacobian(const double* x, double* jacobian) const override;

 private:
  int d_;
};

}  // namespace varsphere
