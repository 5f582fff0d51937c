// Geometry of the unit sphere S^{d-1} ⊂ R^d (docs/math.md §1), as pure free functions templated on the
// scalar so that the same code runs with double and with ceres::Jet (automatic differentiation).
//
// Conventions: points x, y are unit vectors; tangent vectors at x satisfy ⟨x, v⟩ = 0. Arguments
// are any Eigen vector expressions (fixed or dynamic size, Map, column block). The `*_into`
// variants write into a caller-provided vector (e.g. a column of a d×n matrix) without allocating;
// the plain variants return a new vector. Nothing here holds state.
//
// Numerical choices (docs/math.md §1):
//  * distances and angles use θ = 2·atan2(‖x − y‖, ‖x + y‖), accurate at θ ≈ 0 and θ ≈ π;
//  * sin(t)/t, cos t and θ/sin θ switch to Taylor series in t² below kSeriesThreshold, so that
//    Jets get the right first-order derivative at v = 0 / y = x instead of 0 or NaN;
//  * log, transport and inverse_retract throw CutLocusError where the result is undefined.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <numbers>
#include <string>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>

namespace varsphere::sphere {

/// Angles (and ‖v‖) below this use Taylor series; the truncation error there is < 1e-26.
inline constexpr double kSeriesThreshold = 1e-4;
/// log and transport refuse points with ‖x + y‖ (≈ π − θ) at or below this: the direction of the
/// minimizing geodesic is not determined there to any useful precision in double arithmetic.
inline constexpr double kCutLocusTolerance = 1e-14;

/// Column-vector type of the same scalar and size as the expression `Derived`.
template <class Derived>
using Vector = Eigen::Matrix<typename Derived::Scalar, Derived::RowsAtCompileTime, 1>;

namespace detail {

template <class T>
T sqrt_of(const T& x) {
  using std::sqrt;
  return sqrt(x);
}

/// c = cos t and s = sin(t)/t from t² (series below the threshold keeps Jet derivatives).
template <class T>
void cos_and_sinc_from_squared(const T& t2, T& c, T& s) {
  using std::cos;
  using std::sin;
  if (t2 < T(kSeriesThreshold * kSeriesThreshold)) {
    c = T(1) - t2 / T(2) + t2 * t2 / T(24);
    s = T(1) - t2 / T(6) + t2 * t2 / T(120);
  } else {
    const T t = sqrt_of(t2);
    c = cos(t);
    s = sin(t) / t;
  }
}

template <class Derived>
Eigen::MatrixBase<Derived>& writable(const Eigen::MatrixBase<Derived>& out) {
  // Eigen's documented idiom for output arguments that may be temporaries such as X.col(i).
  return const_cast<Eigen::MatrixBase<Derived>&>(out);
}

}  // namespace detail

/// ⟨x, y⟩-free tangent projection P_x y = y − ⟨x, y⟩ x onto T_x S^{d-1}.
template <class DX, class DY>
Vector<DX> tangent_project(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DY>& y) {
  return y - x.dot(y) * x;
}

/// Radial projection y/‖y‖ onto the sphere. Throws InvalidInput for y = 0.
template <class DY>
Vector<DY> project(const Eigen::MatrixBase<DY>& y) {
  using T = typename DY::Scalar;
  const T n2 = y.squaredNorm();
  if (!(n2 > T(0))) throw InvalidInput("project: cannot project the zero vector onto the sphere");
  return y / detail::sqrt_of(n2);
}

/// Exponential map exp_x(v) = cos(‖v‖) x + sin(‖v‖) v/‖v‖ (docs/math.md §1), written into `out`.
template <class DX, class DV, class DO>
void exp_into(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DV>& v,
              const Eigen::MatrixBase<DO>& out) {
  using T = typename DX::Scalar;
  T c, s;
  detail::cos_and_sinc_from_squared(T(v.squaredNorm()), c, s);
  detail::writable(out) = c * x + s * v;
}

/// Exponential map exp_x(v).
template <class DX, class DV>
Vector<DX> exp(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DV>& v) {
  Vector<DX> out(x.size());
  exp_into(x, v, out);
  return out;
}

/// Logarithm log_x(y) = θ P_x y / ‖P_x y‖ with θ = d(x, y), written into `out`. Returns false
/// (and leaves `out` unspecified) when y is within kCutLocusTolerance of −x, where log is not
/// defined. P_x y is formed as P_x(y ∓ x), which is the same vector but free of cancellation
/// near θ = 0 (minus) and θ = π (plus).
template <class DX, class DY, class DO>
bool try_log_into(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DY>& y,
                  const Eigen::MatrixBase<DO>& out) {
  using T = typename DX::Scalar;
  using std::atan2;
  const T sigma = x.dot(y) >= T(0) ? T(1) : T(-1);
  const T a = x.dot(y - sigma * x);
  const auto u = (y - sigma * x) - a * x;  // = P_x y, lazily evaluated
  const T s2 = u.squaredNorm();            // = sin²θ
  if (sigma > T(0) && s2 < T(kSeriesThreshold * kSeriesThreshold)) {
    // θ / sin θ = asin(s)/s = 1 + s²/6 + 3s⁴/40 + O(s⁶)
    detail::writable(out) = (T(1) + s2 / T(6) + T(3) * s2 * s2 / T(40)) * u;
    return true;
  }
  if (!(s2 > T(kCutLocusTolerance * kCutLocusTolerance))) return false;
  const T theta = T(2) * atan2(detail::sqrt_of(T((x - y).squaredNorm())),
                               detail::sqrt_of(T((x + y).squaredNorm())));
  detail::writable(out) = (theta / detail::sqrt_of(s2)) * u;
  return true;
}

/// Logarithm log_x(y). Throws CutLocusError at (or numerically at) y = −x.
template <class DX, class DY>
Vector<DX> log(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DY>& y) {
  Vector<DX> out(x.size());
  if (!try_log_into(x, y, out)) {
    throw CutLocusError("log: the points are antipodal (cut locus); the logarithm is undefined");
  }
  return out;
}

/// Geodesic distance θ = 2·atan2(‖x − y‖, ‖x + y‖) (docs/math.md §1). At θ = 0 the derivative of a
/// Jet result is 0 (a subgradient), at θ = π it is 0 as well; never NaN.
template <class DX, class DY>
typename DX::Scalar distance(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DY>& y) {
  using T = typename DX::Scalar;
  using std::atan2;
  const T a2 = (x - y).squaredNorm();
  const T b2 = (x + y).squaredNorm();
  if (!(a2 > T(0))) return T(0);
  if (!(b2 > T(0))) return T(std::numbers::pi);
  return T(2) * atan2(detail::sqrt_of(a2), detail::sqrt_of(b2));
}

/// Parallel transport of u ∈ T_x along the minimizing geodesic from x to y, into `out`:
///   Γ(u) = u − (2⟨x + y, u⟩ / ‖x + y‖²)(x + y),
/// which for tangent u equals docs/math.md's u − (⟨log_x y, u⟩/θ²)(log_x y + log_y x) and is smooth at
/// θ = 0. Returns false within kCutLocusTolerance of the antipode.
template <class DX, class DY, class DU, class DO>
bool try_transport_into(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DY>& y,
                        const Eigen::MatrixBase<DU>& u, const Eigen::MatrixBase<DO>& out) {
  using T = typename DX::Scalar;
  const T w2 = (x + y).squaredNorm();
  if (!(w2 > T(kCutLocusTolerance * kCutLocusTolerance))) return false;
  const T k = T(2) * (x + y).dot(u) / w2;
  detail::writable(out) = u - k * (x + y);
  return true;
}

/// Parallel transport of u ∈ T_x to T_y. Throws CutLocusError at y = −x.
template <class DX, class DY, class DU>
Vector<DU> transport(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DY>& y,
                     const Eigen::MatrixBase<DU>& u) {
  Vector<DU> out(u.size());
  if (!try_transport_into(x, y, u, out)) {
    throw CutLocusError("transport: the points are antipodal (cut locus); transport is undefined");
  }
  return out;
}

/// Geodesic γ(t) = exp_x(t log_x y) (slerp); γ(0) = x, γ(1) = y.
template <class DX, class DY>
Vector<DX> geodesic(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DY>& y,
                    const typename DX::Scalar& t) {
  return exp(x, t * log(x, y));
}

/// Metric retraction R_x(v) = (x + v)/‖x + v‖ (docs/math.md §1).
template <class DX, class DV>
Vector<DX> retract(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DV>& v) {
  return project(x + v);
}

/// Inverse of retract: R_p^{-1}(q) = q/⟨p, q⟩ − p, defined only for d(p, q) < π/2.
/// Throws CutLocusError when ⟨p, q⟩ ≤ 0.
template <class DP, class DQ>
Vector<DP> inverse_retract(const Eigen::MatrixBase<DP>& p, const Eigen::MatrixBase<DQ>& q) {
  using T = typename DP::Scalar;
  const T c = p.dot(q);
  if (!(c > T(0))) {
    throw CutLocusError("inverse_retract: points at distance >= pi/2; the inverse is undefined");
  }
  return q / c - p;
}

/// Riemannian gradient of f restricted to the sphere from its Euclidean gradient: P_x ∇f.
template <class DX, class DG>
Vector<DX> riemannian_gradient(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DG>& egrad) {
  return tangent_project(x, egrad);
}

/// Riemannian Hessian of f along u ∈ T_x from Euclidean data: P_x(∇²f u) − ⟨x, ∇f⟩ u.
template <class DX, class DG, class DH, class DU>
Vector<DX> riemannian_hessian(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DG>& egrad,
                              const Eigen::MatrixBase<DH>& ehess_u,
                              const Eigen::MatrixBase<DU>& u) {
  return tangent_project(x, ehess_u) - x.dot(egrad) * u;
}

/// An orthonormal basis of T_x as the d×(d−1) matrix of columns 2..d of the Householder
/// reflection that maps x to ∓e_1. A pure function of x (no cached basis).
template <class DX>
Eigen::Matrix<typename DX::Scalar, DX::RowsAtCompileTime,
              DX::RowsAtCompileTime == Eigen::Dynamic ? Eigen::Dynamic : DX::RowsAtCompileTime - 1>
tangent_basis(const Eigen::MatrixBase<DX>& x) {
  using T = typename DX::Scalar;
  const Eigen::Index d = x.size();
  Vector<DX> u = x;
  u(0) += x(0) >= T(0) ? T(1) : T(-1);  // ‖u‖² = 2(1 + |x_1|) ≥ 2: no cancellation
  const T scale = T(2) / u.squaredNorm();
  return -scale * u * u.tail(d - 1).transpose() +
         Eigen::Matrix<T, DX::RowsAtCompileTime, DX::RowsAtCompileTime>::Identity(d, d).rightCols(
             d - 1);
}

/// Uniform random point on S^{d-1}: a standard Gaussian vector, normalized.
inline Eigen::VectorXd random_point(Rng& rng, Eigen::Index d) {
  if (d < 2) throw InvalidInput("random_point: d = " + std::to_string(d) + " but d >= 2 needed");
  while (true) {
    const Eigen::VectorXd g = rng.normal_vector(d);
    const double n = g.norm();
    if (n > 1e-300) return g / n;
  }
}

/// Random tangent vector at x: P_x g for a standard Gaussian g, times `scale`. The projection is
/// applied twice so that ⟨x, v⟩ stays at rounding level even when g is nearly parallel to x.
template <class DX>
Eigen::VectorXd random_tangent(Rng& rng, const Eigen::MatrixBase<DX>& x, double scale = 1.0) {
  const Eigen::VectorXd once = tangent_project(x, rng.normal_vector(x.size()));
  return scale * tangent_project(x, once);
}

}  // namespace varsphere::sphere
