// Per-token weights w_i(X) of the metrics in which the attention flows are gradient flows
// (docs/math.md §2): g_X(a, b) = Σ_i w_i(X) ⟨a_i, b_i⟩ with
//   Euclidean (product metric):  w_i = 1,
//   USA metric:                  w_i = 1/n,
//   SA metric:                   w_i = Z_i(X)/n², Z_i = Σ_k exp(β⟨x_i, A x_k⟩).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/lagrangian.hpp>

namespace varsphere {

struct MetricWeights {
  enum class Kind { Euclidean, Usa, Sa };
  Kind kind = Kind::Euclidean;
  double beta = 0.0;  ///< SA only
  Eigen::MatrixXd A;  ///< SA only: the interaction matrix in Z_i

  static MetricWeights euclidean() { return {}; }
  static MetricWeights usa() { return {Kind::Usa, 0.0, {}}; }
  static MetricWeights sa(double beta, Eigen::MatrixXd A) { return {Kind::Sa, beta, std::move(A)}; }

  /// w_i(X) for every token.
  template <class T>
  Vec<T> operator()(const Mat<T>& X) const {
    const Eigen::Index n = X.cols();
    switch (kind) {
      case Kind::Euclidean:
        return Vec<T>::Constant(n, T(1));
      case Kind::Usa:
        return Vec<T>::Constant(n, T(1.0 / double(n)));
      case Kind::Sa:
        return partition_functions(X, A, beta) / T(double(n) * double(n));
    }
    return Vec<T>::Constant(n, T(1));
  }

  /// ∂w_i/∂x_k as an n × (nd) matrix (zero for the Euclidean and USA metrics). SA:
  /// ∂Z_i/∂x_k = δ_ik β Σ_l e^{βS_il} A x_l + β e^{βS_ik} Aᵀ x_i, S = XᵀAX, w_i = Z_i/n².
  Eigen::MatrixXd gradient(const Eigen::MatrixXd& X) const;
};

}  // namespace varsphere
