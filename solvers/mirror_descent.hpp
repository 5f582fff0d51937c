// Exponentiated-gradient (mirror) descent on probability weights over a fixed support
// (docs/math.md §4: minimizing densities on S¹ as grid measures). For an objective F(w) on the simplex
// with first variation g = ∂F/∂w, one step is
//     w_k ← w_k exp(∓η g_k) / Σ_l w_l exp(∓η g_l)        (− descent, + ascent),
// mirror descent with the entropy as Bregman divergence: weights stay positive and sum to 1.
// Stopping certificate: the Frank–Wolfe gap
//     descent: ⟨g, w⟩ − min_k g_k,    ascent: max_k g_k − ⟨g, w⟩,
// which is ≥ 0, vanishes exactly at the KKT points (g constant on the support and not better
// elsewhere) and, for convex F (E_D with a positive-definite kernel), bounds F(w) − min F.
// For E_D(w) = wᵀKw the step η = 1/(2 max_kl K_kl) makes every step decrease (increase) F,
// since F is 2 max K-smooth relative to the entropy on the simplex.
// Smooth kernels make the landscape flat in rough directions: near a minimizer the frequency-m
// part of log w decays like (1 − 2η λ_m)^k with λ_m the kernel's m-th eigenvalue (I_m(1) for
// D = I on S¹, super-exponentially small in m). Start from smooth weights (uniform, or a smooth
// density): a rough start keeps its roughness long after the energy and the gap stop seeing it.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <varsphere/core/error.hpp>
#include <varsphere/core/extremum.hpp>
#include <varsphere/functionals/interaction_energy.hpp>
#include <varsphere/manifolds/discrete_measure.hpp>
#include <vector>

namespace varsphere {

struct MirrorDescentOptions {
  double step = 0.0;  ///< η > 0; 0: 1/(2 max K) for E_D (the monotone step)
  int max_iterations = 200000;
  double gap_tolerance = 1e-10;  ///< stop when the Frank–Wolfe gap is below this
  int record_every = 0;          ///< > 0: keep F every that many iterations in `history`
};

struct MirrorDescentResult {
  Eigen::VectorXd weights;
  double value = 0;  ///< F at the final weights
  double gap = 0;    ///< Frank–Wolfe gap at the final weights
  int iterations = 0;
  bool converged = false;
  std::vector<double> history;  ///< F every record_every iterations (first: the start)
};

/// `objective(w, g)` returns F(w) and writes g = ∂F/∂w (same size as w).
template <class Objective>
MirrorDescentResult mirror_descent(const Objective& objective, Eigen::VectorXd w,
                                   Extremum direction, const MirrorDescentOptions& options) {
  if (!(options.step > 0) || !std::isfinite(options.step)) {
    throw InvalidInput("mirror descent: the step must be positive and finite");
  }
  if (w.size() < 1 || !w.allFinite() || (w.array() <= 0).any()) {
    throw InvalidInput("mirror descent: start weights must be finite and positive");
  }
  w /= w.sum();
  const double sign = ascent_sign(direction);
  auto gap_of = [&](const Eigen::VectorXd& g) {
    const double mean = g.dot(w);
    return direction == Extremum::Descent ? mean - g.minCoeff() : g.maxCoeff() - mean;
  };
  MirrorDescentResult r;
  Eigen::VectorXd g(w.size());
  double value = objective(w, g);
  r.gap = gap_of(g);
  for (; r.iterations < options.max_iterations && !(r.gap <= options.gap_tolerance);
       ++r.iterations) {
    if (options.record_every > 0 && r.iterations % options.record_every == 0) {
      r.history.push_back(value);
    }
    // Shift by the extreme value before exponentiating: the update is invariant under it and
    // exp never overflows.
    const double shift = sign > 0 ? g.maxCoeff() : g.minCoeff();
    w.array() *= (sign * options.step * (g.array() - shift)).exp();
    w /= w.sum();
    value = objective(w, g);
    if (!std::isfinite(value) || !g.allFinite()) {
      throw Error("mirror descent: the objective became non-finite after " +
                  std::to_string(r.iterations + 1) + " steps");
    }
    r.gap = gap_of(g);
  }
  if (options.record_every > 0) r.history.push_back(value);
  r.weights = std::move(w);
  r.value = value;
  r.converged = r.gap <= options.gap_tolerance;
  return r;
}

/// Mirror descent of E_D over measures on the support of mu0, started from its weights (which must
/// be positive). The kernel K_kl = exp(⟨x_k, D x_l⟩) is computed once; F(w) = wᵀKw, g = 2Kw.
inline MirrorDescentResult mirror_descent(const InteractionEnergy& energy,
                                          const DiscreteMeasure& mu0, Extremum direction,
                                          MirrorDescentOptions options = {}) {
  validate_measure(mu0, 1e-9, "mirror descent: start measure");
  if (mu0.support.rows() != energy.dimension()) {
    throw InvalidInput(
        "mirror descent: the support lives in dimension " + std::to_string(mu0.support.rows()) +
        ", D is " + std::to_string(energy.dimension()) + "x" + std::to_string(energy.dimension()));
  }
  const Eigen::MatrixXd K = energy.kernel(mu0.support, mu0.support);
  if (options.step == 0.0) options.step = 1.0 / (2.0 * K.maxCoeff());
  auto objective = [&K](const Eigen::VectorXd& w, Eigen::VectorXd& g) {
    g.noalias() = 2.0 * K * w;
    return 0.5 * w.dot(g);
  };
  return mirror_descent(objective, mu0.weights, direction, options);
}

}  // namespace varsphere
