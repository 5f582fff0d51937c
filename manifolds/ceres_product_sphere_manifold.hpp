// (S^{d−1})^n as one ceres::Manifold (ambient n·d, tangent n·(d−1)), token by token through
// CeresSphereManifold: Plus is the product exp, Minus the product log (failing at a cut locus),
// Jacobians block-diagonal. For solvers that take a single parameter vector, such as
// ceres::GradientProblem.
#pragma once

#include <ceres/manifold.h>

#include <Eigen/Core>
#include <varsphere/manifolds/ceres_sphere_manifold.hpp>

namespace varsphere {

class CeresProductSphereManifold final : public ceres::Manifold {
 public:
  CeresProductSphereManifold(int d, int n) : sphere_(d), d_(d), n_(n) {}

  int AmbientSize() const override { return d_ * n_; }
  int TangentSize() const override { return (d_ - 1) * n_; }

  bool Plus(const double* x, const double* delta, double* out) const override {
    for (int i = 0; i < n_; ++i)
      if (!sphere_.Plus(x + i * d_, delta + i * (d_ - 1), out + i * d_)) return false;
    return true;
  }
  bool PlusJacobian(const double* x, double* jacobian) const override {
    return block_diagonal(x, jacobian, AmbientSize(), TangentSize(), d_, d_ - 1, true);
  }
  bool Minus(const double* y, const double* x, double* out) const override {
    for (int i = 0; i < n_; ++i)
      if (!sphere_.Minus(y + i * d_, x + i * d_, out + i * (d_ - 1))) return false;
    return true;
  }
  bool MinusJacobian(const double* x, double* jacobian) const override {
    return block_diagonal(x, jacobian, TangentSize(), AmbientSize(), d_ - 1, d_, false);
  }

 private:
  // Row-major rows×cols matrix with n blocks of size br×bc on the diagonal.
  bool block_diagonal(const double* x, double* jacobian, int rows, int cols, int br, int bc,
                      bool plus) const {
    Eigen::Map<Eigen::Matrix<double, -1, -1, Eigen::RowMajor>> J(jacobian, rows, cols);
    J.setZero();
    Eigen::Matrix<double, -1, -1, Eigen::RowMajor> block(br, bc);
    for (int i = 0; i < n_; ++i) {
      const bool ok = plus ? sphere_.PlusJacobian(x + i * d_, block.data())
                           : sphere_.MinusJacobian(x + i * d_, block.data());
      if (!ok) return false;
      J.block(i * br, i * bc, br, bc) = block;
    }
    return true;
  }

  CeresSphereManifold sphere_;
  int d_, n_;
};

}  // namespace varsphere
