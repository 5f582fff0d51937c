#include <varsphere/manifolds/ceres_sphere_manifold.hpp>

#include <Eigen/Core>
#include <string>
#include <varsphere/core/error.hpp>
#include <varsphere/manifolds/sphere.hpp>

namespace varsphere {

namespace {
using ConstVec = Eigen::Map<const Eigen::VectorXd>;
using Vec = Eigen::Map<Eigen::VectorXd>;
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}  // namespace

CeresSphereManifold::CeresSphereManifold(int ambient_dimension) : d_(ambient_dimension) {
  if (d_ < 2) {
    throw InvalidInput("CeresSphereManifold: ambient dimension " + std::to_string(d_) +
                       " but d >= 2 needed");
  }
}

bool CeresSphereManifold::Plus(const double* x, const double* delta, double* x_plus_delta) const {
  const ConstVec xv(x, d_);
  const Eigen::VectorXd v = sphere::tangent_basis(xv) * ConstVec(delta, d_ - 1);
  sphere::exp_into(xv, v, Vec(x_plus_delta, d_));
  return true;
}

bool CeresSphereManifold::PlusJacobian(const double* x, double* jacobian) const {
  Eigen::Map<RowMajor>(jacobian, d_, d_ - 1) = sphere::tangent_basis(ConstVec(x, d_));
  return true;
}

bool CeresSphereManifold::Minus(const double* y, const double* x, double* y_minus_x) const {
  const ConstVec xv(x, d_);
  Eigen::VectorXd l(d_);
  if (!sphere::try_log_into(xv, ConstVec(y, d_), l)) return false;
  Vec(y_minus_x, d_ - 1) = sphere::tangent_basis(xv).transpose() * l;
  return true;
}

bool CeresSphereManifold::MinusJacobian(const double* x, double* jacobian) const {
  // d/dy log_x(y) at y = x is P_x, and B(x)ᵀ P_x = B(x)ᵀ.
  Eigen::Map<RowMajor>(jacobian, d_ - 1, d_) = sphere::tangent_basis(ConstVec(x, d_)).transpose();
  return true;
}

}  // namespace varsphere
