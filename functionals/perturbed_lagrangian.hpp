// Perturbed Lagrangian L + εM (docs/math.md §3, the "inexact" functionals): any two Lagrangians and a
// real ε. When both are least-squares Lagrangians and ε ≥ 0 it is one as well, with residuals
// [r_L ; sqrt(ε) r_M], so the BVP keeps the Levenberg–Marquardt path.
#pragma once

#include <cmath>
#include <varsphere/functionals/lagrangian.hpp>

namespace varsphere {

template <class L, class M>
struct PerturbedLagrangian {
  L base;
  M perturbation;
  double epsilon = 0.0;

  template <class T>
  T operator()(const T& t, const Mat<T>& X, const Mat<T>& V) const {
    return base(t, X, V) + T(epsilon) * perturbation(t, X, V);
  }

  /// ε < 0 (e.g. a difference of Lagrangians) is not a sum of squares: the BVP solver then uses
  /// the DEL equations.
  bool least_squares_applicable() const { return epsilon >= 0; }

  Eigen::Index residual_size(Eigen::Index d, Eigen::Index n) const requires
      LeastSquaresLagrangian<L> && LeastSquaresLagrangian<M> {
    return base.residual_size(d, n) + perturbation.residual_size(d, n);
  }
  template <class T>
  void residuals(const T& t, const Mat<T>& X, const Mat<T>& V,
                 Vec<T>& r) const requires LeastSquaresLagrangian<L> && LeastSquaresLagrangian<M> {
    Vec<T> a(base.residual_size(X.rows(), X.cols()));
    Vec<T> b(perturbation.residual_size(X.rows(), X.cols()));
    base.residuals(t, X, V, a);
    perturbation.residuals(t, X, V, b);
    r.resize(a.size() + b.size());
    r << a, T(std::sqrt(epsilon)) * b;
  }
};

template <class L, class M>
PerturbedLagrangian(L, M, double) -> PerturbedLagrangian<L, M>;

}  // namespace varsphere
