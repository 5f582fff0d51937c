// The manifolds the shared geometry property suite runs on. Each policy works on d×n matrices
// (the single sphere is n = 1) and is templated on the scalar, so one suite checks every
// manifold with double and with ceres::Jet.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/manifolds/sphere.hpp>

namespace varsphere::testing {

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

/// One sphere S^{d-1}, through the functions of namespace sphere on column 0.
struct SphereGeometry {
  Eigen::Index d;
  Eigen::Index tokens() const { return 1; }
  std::string name() const { return "S^" + std::to_string(d - 1); }

  template <class T>
  Mat<T> exp(const Mat<T>& X, const Mat<T>& V) const {
    return sphere::exp(X.col(0), V.col(0));
  }
  template <class T>
  Mat<T> log(const Mat<T>& X, const Mat<T>& Y) const {
    return sphere::log(X.col(0), Y.col(0));
  }
  template <class T>
  T distance(const Mat<T>& X, const Mat<T>& Y) const {
    return sphere::distance(X.col(0), Y.col(0));
  }
  template <class T>
  Mat<T> transport(const Mat<T>& X, const Mat<T>& Y, const Mat<T>& U) const {
    return sphere::transport(X.col(0), Y.col(0), U.col(0));
  }
  template <class T>
  Mat<T> retract(const Mat<T>& X, const Mat<T>& V) const {
    return sphere::retract(X.col(0), V.col(0));
  }
  template <class T>
  Mat<T> inverse_retract(const Mat<T>& X, const Mat<T>& Y) const {
    return sphere::inverse_retract(X.col(0), Y.col(0));
  }
  template <class T>
  Mat<T> geodesic(const Mat<T>& X, const Mat<T>& Y, const T& t) const {
    return sphere::geodesic(X.col(0), Y.col(0), t);
  }
  Eigen::MatrixXd random_point(Rng& rng) const { return sphere::random_point(rng, d); }
};

/// The product (S^{d-1})^n through namespace product.
struct ProductGeometry {
  Eigen::Index d;
  Eigen::Index n;
  Eigen::Index tokens() const { return n; }
  std::string name() const { return "(S^" + std::to_string(d - 1) + ")^" + std::to_string(n); }

  template <class T>
  Mat<T> exp(const Mat<T>& X, const Mat<T>& V) const {
    return product::exp(X, V);
  }
  template <class T>
  Mat<T> log(const Mat<T>& X, const Mat<T>& Y) const {
    return product::log(X, Y);
  }
  template <class T>
  T distance(const Mat<T>& X, const Mat<T>& Y) const {
    return product::distance(X, Y);
  }
  template <class T>
  Mat<T> transport(const Mat<T>& X, const Mat<T>& Y, const Mat<T>& U) const {
    return product::transport(X, Y, U);
  }
  template <class T>
  Mat<T> retract(const Mat<T>& X, const Mat<T>& V) const {
    return product::retract(X, V);
  }
  template <class T>
  Mat<T> inverse_retract(const Mat<T>& X, const Mat<T>& Y) const {
    return product::inverse_retract(X, Y);
  }
  template <class T>
  Mat<T> geodesic(const Mat<T>& X, const Mat<T>& Y, const T& t) const {
    return product::geodesic(X, Y, t);
  }
  Eigen::MatrixXd random_point(Rng& rng) const { return product::random_point(rng, d, n); }
};

/// Unit tangent directions at X, one per token (each column of unit norm).
inline Eigen::MatrixXd unit_tangent_columns(Rng& rng, const Eigen::MatrixXd& X) {
  Eigen::MatrixXd E = product::random_tangent(rng, X);
  for (Eigen::Index i = 0; i < E.cols(); ++i) {
    E.col(i).normalize();
    E.col(i) -= X.col(i).dot(E.col(i)) * X.col(i);  // re-orthogonalize after the rescaling
    E.col(i).normalize();
  }
  return E;
}

}  // namespace varsphere::testing
