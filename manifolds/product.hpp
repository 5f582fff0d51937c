// The product manifold M = (S^{d-1})^n with runtime d and n (docs/math.md §1, "Product manifold").
//
// A point is a d×n matrix (a column per token), a tangent vector at X a d×n matrix V with
// ⟨x_i, v_i⟩ = 0. Every operation acts column by column through the single-sphere functions of
// sphere.hpp, writing into the output's columns without per-token allocation. The metric is the
// product (Frobenius) metric, so distance(X, Y) = sqrt(Σ_i d(x_i, y_i)²).
#pragma once

#include <Eigen/Core>
#include <string>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/sphere.hpp>

namespace varsphere::product {

template <class Derived>
using Matrix = Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic>;

namespace detail {
template <class DA, class DB>
void require_same_shape(const Eigen::MatrixBase<DA>& a, const Eigen::MatrixBase<DB>& b,
                        const char* op) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) {
    throw InvalidInput(std::string(op) + ": shapes differ (" + std::to_string(a.rows()) + "x" +
                       std::to_string(a.cols()) + " vs " + std::to_string(b.rows()) + "x" +
                       std::to_string(b.cols()) + ")");
  }
}
}  // namespace detail

/// Token i of X as a column view (no copy).
template <class Derived>
auto token(Eigen::MatrixBase<Derived>& X, Eigen::Index i) {
  return X.col(i);
}
template <class Derived>
auto token(const Eigen::MatrixBase<Derived>& X, Eigen::Index i) {
  return X.col(i);
}

/// Token `i` of a contiguous column-major d×n buffer (e.g. a Ceres parameter block) as a Map.
template <class T>
Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>> token_map(const T* data, Eigen::Index d,
                                                                Eigen::Index i = 0) {
  return Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(data + i * d, d);
}

/// V ← P_X V column by column, v_i ← v_i − ⟨x_i, v_i⟩ x_i (the one tangent projection of the
/// library; V may be a block or a Ref).
template <class DX, class DV>
void tangent_project_in_place(const Eigen::MatrixBase<DX>& X, Eigen::MatrixBase<DV>& V) {
  detail::require_same_shape(X, V, "tangent_project");
  for (Eigen::Index i = 0; i < X.cols(); ++i) {
    const auto radial = X.col(i).dot(V.col(i));  // formed before the column is updated
    V.col(i) -= radial * X.col(i);
  }
}

/// Column-wise tangent projection P_{x_i} v_i.
template <class DX, class DV>
Matrix<DX> tangent_project(const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DV>& V) {
  Matrix<DX> out = V;
  tangent_project_in_place(X, out);
  return out;
}

/// Column-wise radial projection onto the sphere.
template <class DY>
Matrix<DY> project(const Eigen::MatrixBase<DY>& Y) {
  Matrix<DY> out(Y.rows(), Y.cols());
  for (Eigen::Index i = 0; i < Y.cols(); ++i) out.col(i) = sphere::project(Y.col(i));
  return out;
}

/// Column-wise exponential map.
template <class DX, class DV>
Matrix<DX> exp(const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DV>& V) {
  detail::require_same_shape(X, V, "exp");
  Matrix<DX> out(X.rows(), X.cols());
  for (Eigen::Index i = 0; i < X.cols(); ++i) sphere::exp_into(X.col(i), V.col(i), out.col(i));
  return out;
}

/// Column-wise logarithm; throws CutLocusError naming the first antipodal token.
template <class DX, class DY>
Matrix<DX> log(const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DY>& Y) {
  detail::require_same_shape(X, Y, "log");
  Matrix<DX> out(X.rows(), X.cols());
  for (Eigen::Index i = 0; i < X.cols(); ++i) {
    if (!sphere::try_log_into(X.col(i), Y.col(i), out.col(i))) {
      throw CutLocusError("log: token " + std::to_string(i + 1) +
                          " is antipodal to its target (cut locus)");
    }
  }
  return out;
}

/// Geodesic distance of each token, d(x_i, y_i), as a vector of length n.
template <class DX, class DY>
Eigen::Matrix<typename DX::Scalar, Eigen::Dynamic, 1> token_distances(
    const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DY>& Y) {
  detail::require_same_shape(X, Y, "token_distances");
  Eigen::Matrix<typename DX::Scalar, Eigen::Dynamic, 1> out(X.cols());
  for (Eigen::Index i = 0; i < X.cols(); ++i) out(i) = sphere::distance(X.col(i), Y.col(i));
  return out;
}

/// Product distance sqrt(Σ_i d(x_i, y_i)²).
template <class DX, class DY>
typename DX::Scalar distance(const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DY>& Y) {
  using T = typename DX::Scalar;
  T sum = T(0);
  for (Eigen::Index i = 0; i < X.cols(); ++i) {
    const T theta = sphere::distance(X.col(i), Y.col(i));
    sum += theta * theta;
  }
  return sphere::detail::sqrt_of(sum);
}

/// Column-wise parallel transport of U ∈ T_X M to T_Y M.
template <class DX, class DY, class DU>
Matrix<DU> transport(const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DY>& Y,
                     const Eigen::MatrixBase<DU>& U) {
  detail::require_same_shape(X, Y, "transport");
  detail::require_same_shape(X, U, "transport");
  Matrix<DU> out(U.rows(), U.cols());
  for (Eigen::Index i = 0; i < X.cols(); ++i) {
    if (!sphere::try_transport_into(X.col(i), Y.col(i), U.col(i), out.col(i))) {
      throw CutLocusError("transport: token " + std::to_string(i + 1) +
                          " is antipodal to its target (cut locus)");
    }
  }
  return out;
}

/// Column-wise geodesic γ(t) = exp_X(t log_X Y).
template <class DX, class DY>
Matrix<DX> geodesic(const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DY>& Y,
                    const typename DX::Scalar& t) {
  return exp(X, t * log(X, Y));
}

/// Column-wise metric retraction (x_i + v_i)/‖x_i + v_i‖.
template <class DX, class DV>
Matrix<DX> retract(const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DV>& V) {
  detail::require_same_shape(X, V, "retract");
  return project(X + V);
}

/// Column-wise inverse retraction q_i/⟨p_i, q_i⟩ − p_i (each pair closer than π/2).
template <class DP, class DQ>
Matrix<DP> inverse_retract(const Eigen::MatrixBase<DP>& P, const Eigen::MatrixBase<DQ>& Q) {
  detail::require_same_shape(P, Q, "inverse_retract");
  Matrix<DP> out(P.rows(), P.cols());
  for (Eigen::Index i = 0; i < P.cols(); ++i) {
    out.col(i) = sphere::inverse_retract(P.col(i), Q.col(i));
  }
  return out;
}

/// Riemannian gradient on the product: column-wise P_{x_i} ∇_{x_i} f.
template <class DX, class DG>
Matrix<DX> riemannian_gradient(const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DG>& G) {
  return tangent_project(X, G);
}

/// Riemannian Hessian along U: column-wise P_{x_i}(∇²f U)_i − ⟨x_i, ∇_{x_i} f⟩ u_i.
template <class DX, class DG, class DH, class DU>
Matrix<DX> riemannian_hessian(const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DG>& G,
                              const Eigen::MatrixBase<DH>& HU, const Eigen::MatrixBase<DU>& U) {
  Matrix<DX> out = tangent_project(X, HU);
  for (Eigen::Index i = 0; i < X.cols(); ++i) out.col(i) -= X.col(i).dot(G.col(i)) * U.col(i);
  return out;
}

/// Orthonormal basis (nd × n(d−1)) of the tangent space at X, token-block diagonal
/// (sphere::tangent_basis per token): coordinates in which Riemannian Hessians become
/// n(d−1) × n(d−1) symmetric matrices.
inline Eigen::MatrixXd tangent_basis(const Eigen::MatrixXd& X) {
  const Eigen::Index d = X.rows(), n = X.cols();
  Eigen::MatrixXd B = Eigen::MatrixXd::Zero(n * d, n * (d - 1));
  for (Eigen::Index i = 0; i < n; ++i) {
    B.block(i * d, i * (d - 1), d, d - 1) = sphere::tangent_basis(Eigen::VectorXd(X.col(i)));
  }
  return B;
}

/// The same bases side by side, d × n(d−1) (columns i(d−1)..i(d−1)+d−2 span T_{x_i}): the compact
/// form for the coordinate maps below, which never multiply by the zero blocks.
inline Eigen::MatrixXd tangent_bases(const Eigen::MatrixXd& X) {
  const Eigen::Index d = X.rows(), n = X.cols();
  Eigen::MatrixXd B(d, n * (d - 1));
  for (Eigen::Index i = 0; i < n; ++i) {
    B.middleCols(i * (d - 1), d - 1) = sphere::tangent_basis(Eigen::VectorXd(X.col(i)));
  }
  return B;
}

/// Coordinates (n(d−1), token i at i(d−1)) of a tangent field V (d×n) in the bases B of
/// tangent_bases(X), written into `out` (a vector or a segment).
template <class Out>
void to_tangent_coordinates(const Eigen::MatrixXd& B, const Eigen::MatrixXd& V, Out&& out) {
  const Eigen::Index d = V.rows();
  for (Eigen::Index i = 0; i < V.cols(); ++i) {
    out.segment(i * (d - 1), d - 1).noalias() = B.middleCols(i * (d - 1), d - 1).transpose() * V.col(i);
  }
}

/// The tangent field (d×n) with coordinates c in the bases B of tangent_bases(X).
inline Eigen::MatrixXd from_tangent_coordinates(const Eigen::MatrixXd& B,
                                                const Eigen::Ref<const Eigen::VectorXd>& c) {
  const Eigen::Index d = B.rows(), n = B.cols() / (d - 1);
  Eigen::MatrixXd V(d, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    V.col(i).noalias() = B.middleCols(i * (d - 1), d - 1) * c.segment(i * (d - 1), d - 1);
  }
  return V;
}

/// Uniform random configuration: n independent uniform points on S^{d-1}.
inline Eigen::MatrixXd random_point(Rng& rng, Eigen::Index d, Eigen::Index n) {
  Eigen::MatrixXd X(d, n);
  for (Eigen::Index i = 0; i < n; ++i) X.col(i) = sphere::random_point(rng, d);
  return X;
}

/// Random tangent vector at X (column-wise projected Gaussian, projected twice for tangency at
/// rounding level), times `scale`.
template <class DX>
Eigen::MatrixXd random_tangent(Rng& rng, const Eigen::MatrixBase<DX>& X, double scale = 1.0) {
  const Eigen::MatrixXd once = tangent_project(X, rng.normal_matrix(X.rows(), X.cols()));
  return scale * tangent_project(X, once);
}

}  // namespace varsphere::product
