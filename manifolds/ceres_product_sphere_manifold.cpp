#include <varsphere/manifolds/ceres_product_sphere_manifold.hpp>

#include <Eigen/Core>
#include <varsphere/core/error.hpp>

namespace varsphere {

namespace {
using RowMajor = Eigen::Matrix<double, -1, -1, Eigen::RowMajor>;
using Stride = Eigen::OuterStride<>;
}  // namespace

CeresProductSphereManifold::CeresProductSphereManifold(int d, int n) : sphere_(d), d_(d), n_(n) {
  if (n < 1) throw InvalidInput("product sphere manifold: needs at least one factor");
}

bool CeresProductSphereManifold::Plus(const double* x, const double* delta, double* out) const {
  for (int i = 0; i < n_; ++i)
    if (!sphere_.Plus(x + i * d_, delta + i * (d_ - 1), out + i * d_)) return false;
  return true;
}

bool CeresProductSphereManifold::PlusJacobian(const double* x, double* jacobian) const {
  return block_diagonal(x, jacobian, AmbientSize(), TangentSize(), d_, d_ - 1, true);
}

bool CeresProductSphereManifold::RightMultiplyByPlusJacobian(const double* x, int num_rows,
                                                             const double* ambient_matrix,
                                                             double* tangent_matrix) const {
  const int a = AmbientSize(), t = TangentSize();
  RowMajor block(d_, d_ - 1);
  for (int i = 0; i < n_; ++i) {
    if (!sphere_.PlusJacobian(x + i * d_, block.data())) return false;
    const Eigen::Map<const RowMajor, 0, Stride> in(ambient_matrix + i * d_, num_rows, d_,
                                                   Stride(a));
    Eigen::Map<RowMajor, 0, Stride> out(tangent_matrix + i * (d_ - 1), num_rows, d_ - 1,
                                        Stride(t));
    out.noalias() = in * block;
  }
  return true;
}

bool CeresProductSphereManifold::Minus(const double* y, const double* x, double* out) const {
  for (int i = 0; i < n_; ++i)
    if (!sphere_.Minus(y + i * d_, x + i * d_, out + i * (d_ - 1))) return false;
  return true;
}

bool CeresProductSphereManifold::MinusJacobian(const double* x, double* jacobian) const {
  return block_diagonal(x, jacobian, TangentSize(), AmbientSize(), d_ - 1, d_, false);
}

bool CeresProductSphereManifold::block_diagonal(const double* x, double* jacobian, int rows,
                                                int cols, int br, int bc, bool plus) const {
  Eigen::Map<RowMajor> J(jacobian, rows, cols);
  J.setZero();
  RowMajor block(br, bc);
  for (int i = 0; i < n_; ++i) {
    const bool ok = plus ? sphere_.PlusJacobian(x + i * d_, block.data())
                         : sphere_.MinusJacobian(x + i * d_, block.data());
    if (!ok) return false;
    J.block(i * br, i * bc, br, bc) = block;
  }
  return true;
}

}  // namespace varsphere
