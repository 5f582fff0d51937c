// Sinkhorn (doubly stochastic) attention, Sander et al. "Sinkformers" (docs/math.md §2.7): the
// weights are n·π with π the entropic transport plan of the kernel exp(c), c_ij = β⟨x_i, A x_j⟩
// + b_ij, between uniform marginals, found by alternating row and column scalings in the log
// domain (stable at β = 100):
//
//   u = v = 0;  for it = 0, 1, ...:
//     it even: u_i ← u_i + (log μ − logsumexp_j(c_ij + u_i + v_j)),  err = Σ_i |Δu_i|
//     it odd:  v_j ← v_j + (log ν − logsumexp_i(c_ij + u_i + v_j))
//     stop after max_iterations, or after an even iteration with err < tolerance;
//   w_ij = n·exp(c_ij + u_i + v_j).
//
// One iteration (max_iterations = 1) is the softmax. The same code runs for double and Jets.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <varsphere/core/scalar.hpp>

namespace varsphere {

struct SinkhornOptions {
  int max_iterations = 100;  ///< row + column scalings count one each (the code's n_it)
  double tolerance = 1e-12;  ///< on Σ_i |Δu_i| after a row scaling (0: run all iterations)
  /// log μ = log ν of the marginals; NaN: log(1/n). (sinkformers computes it in float32:
  /// −2.0794415473937988 for n = 8, which a replay passes here.)
  double log_marginal = std::numeric_limits<double>::quiet_NaN();
};

/// Throws InvalidInput for max_iterations < 1, a negative or NaN tolerance, or a non-finite
/// log_marginal other than NaN.
void check_sinkhorn_options(const SinkhornOptions& o);

namespace detail {
template <class T, class Row>
T log_sum_exp(const Row& values) {
  using std::exp;
  using std::log;
  double m = -std::numeric_limits<double>::infinity();
  for (Eigen::Index k = 0; k < values.size(); ++k) m = std::max(m, value_of(values(k)));
  if (m == -std::numeric_limits<double>::infinity()) return T(m);
  T total = T(0);
  for (Eigen::Index k = 0; k < values.size(); ++k) total += exp(values(k) - T(m));
  return log(total) + T(m);
}
}  // namespace detail

/// The entropic self-transport energy whose gradient the Sinkhorn flow follows (docs/math.md
/// §2.7): with s_ij = ⟨x_i, A x_j⟩, π the Sinkhorn plan of exp(β s) between uniform marginals,
///   𝓔(X) = −(1/(2β)) [ Σ_ij π_ij(−β s_ij) + Σ_ij π_ij log(n² π_ij) ] = −OT_1(μ, μ)/(2β),
/// the entropic optimal-transport cost of μ = (1/n)Σδ_{x_i} with itself for c = −βs. For symmetric
/// A (envelope theorem) ∂𝓔/∂x_i = (1/n) Σ_j w_ij A x_j, so the Sinkhorn flow with V = A is
/// ẋ_i = n P_{x_i} ∂𝓔/∂x_i and 𝓔 rises at the rate (1/n) Σ_i |ẋ_i|². β > 0.
double sinkhorn_energy(const Eigen::MatrixXd& X, const Eigen::MatrixXd& A, double beta,
                       const SinkhornOptions& options = {});

/// In place: L(j, i) = c_ij (column i holds token i's logits, −∞ where masked) becomes the weight
/// n·π_ij. Returns the number of iterations run. Throws InvalidInput (throw_no_keys) for a token
/// whose every logit is −∞.
template <class T>
int sinkhorn_weights(Eigen::Matrix<T, -1, -1>& L, const SinkhornOptions& o);

}  // namespace varsphere

#include <varsphere/functionals/score_bias.hpp>

namespace varsphere {

template <class T>
int sinkhorn_weights(Eigen::Matrix<T, -1, -1>& L, const SinkhornOptions& o) {
  using std::abs;
  using std::exp;
  const Eigen::Index n = L.cols();
  const double lm = std::isnan(o.log_marginal) ? -std::log(static_cast<double>(n)) : o.log_marginal;
  Eigen::Matrix<T, -1, 1> u = Eigen::Matrix<T, -1, 1>::Zero(n), v = Eigen::Matrix<T, -1, 1>::Zero(n);
  Eigen::Matrix<T, -1, 1> work(n);
  int done = 0;
  for (int it = 0; it < o.max_iterations; ++it) {
    ++done;
    if (it % 2 == 0) {
      double err = 0;
      for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 0; j < n; ++j) work(j) = L(j, i) + u(i) + v(j);
        const T lse = detail::log_sum_exp<T>(work);
        if (value_of(lse) == -std::numeric_limits<double>::infinity()) throw_no_keys(i);
        const T du = T(lm) - lse;
        err += abs(value_of(du));
        u(i) += du;
      }
      if (err < o.tolerance) break;
    } else {
      for (Eigen::Index j = 0; j < n; ++j) {
        for (Eigen::Index i = 0; i < n; ++i) work(i) = L(j, i) + u(i) + v(j);
        const T lse = detail::log_sum_exp<T>(work);
        // A key nobody attends to keeps v = 0 (its column of the plan is zero).
        if (value_of(lse) != -std::numeric_limits<double>::infinity()) v(j) += T(lm) - lse;
      }
    }
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      L(j, i) = value_of(L(j, i)) == -std::numeric_limits<double>::infinity()
                    ? T(0)
                    : T(static_cast<double>(n)) * exp(L(j, i) + u(i) + v(j));
    }
  }
  return done;
}

}  // namespace varsphere
