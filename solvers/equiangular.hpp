// The equiangular reduction of the attention flows (docs/math.md §2.4; GLPR). If
// ⟨x_i(0), x_j(0)⟩ = ρ0 for all i ≠ j, the flow with Q = K = V = I keeps the configuration
// equiangular and ρ(t) solves the scalar ODE
//     SA:  ρ' = 2 e^{βρ}(1−ρ)((n−1)ρ+1) / (e^β + (n−1)e^{βρ}) / r,
//     USA: ρ' = (2/n) e^{βρ}(1−ρ)((n−1)ρ+1) / r,
// where r ≡ 1 for Post-LN; for Pre-LN r = |z_i| is the norm of the unnormalized stream, with
// r' = ⟨x_i, Σ_j w_ij x_j⟩ = (w_self + (n−1) w_other ρ) (so r grows linearly and 1 − ρ ~ 1/t²
// instead of e^{−2t}). Peri-LN divides both right-hand sides by |D| =
// sqrt(w_s² + 2 w_s w_o (n−1)ρ + w_o²(n−1)(1 + (n−2)ρ)), the norm of the attention output
// (1 − ρ ~ 1/t² again); nGPT is Post-LN times α/|D| (1 − ρ ~ e^{−2αt}) (docs/math.md §2.2, §2.4).
#pragma once

#include <Eigen/Core>
#include <array>
#include <varsphere/functionals/attention_normalization.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <vector>

namespace varsphere {

/// n ≤ d unit vectors with ⟨x_i, x_j⟩ = ρ for i ≠ j (−1/(n−1) < ρ < 1): x_i = a e_i + b·1 with
/// a² = 1 − ρ and b = (−a + sqrt(a² + nρ))/n. Throws InvalidInput for n > d or ρ outside.
Eigen::MatrixXd equiangular_configuration(Eigen::Index d, Eigen::Index n, double rho);

/// max − min of ⟨x_i, x_j⟩ over i ≠ j: zero exactly when X is equiangular.
double equiangular_spread(const Eigen::MatrixXd& X);

/// The right-hand side of the (ρ, r) system above.
struct EquiangularOde {
  AttentionNormalization normalization = AttentionNormalization::Softmax;
  double beta = 1.0;
  int n = 2;
  LayerNormPlacement placement = LayerNormPlacement::Post;
  double ngpt_alpha = 0.2;
  void operator()(const std::array<double, 2>& s, std::array<double, 2>& ds, double) const;
};

/// ρ at each of the increasing `times` (≥ 0) from ρ(0) = rho0, r(0) = 1, by adaptive dopri5 with
/// absolute and relative tolerance `tol`.
std::vector<double> equiangular_rho(const EquiangularOde& ode, double rho0,
                                    const std::vector<double>& times, double tol = 1e-14);

}  // namespace varsphere
