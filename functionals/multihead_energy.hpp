// The H-head interaction energy with time-dependent weights (docs/math.md §6, MDCBS):
//
//   ℰ(X; D) = (1/(2Hn²)) Σ_h Σ_{i,j} e^h_ij,   e^h_ij = exp(⟨x_i, D_h x_j⟩),   D_h symmetric,
//
// and everything its energy ledger needs, from one pass over the heads (the exponentials are
// computed once per head and step):
//   ∇_{x_i} ℰ   = (1/(Hn²)) Σ_h Σ_j e^h_ij D_h x_j                (Euclidean),
//   ∂ℰ/∂D_h     = (1/(2Hn²)) Σ_{i,j} e^h_ij x_i x_jᵀ              (so ∂_tℰ = Σ_h ⟨∂ℰ/∂D_h, Ḋ_h⟩_F),
//   ½ d²ℰ[Δ]    = (1/(2Hn²)) Σ_h Σ_{i,j} ½ e^h_ij ⟨x_i, Δ_h x_j⟩²  (second order in a weight step
//   Δ), Itô rate    = (1/(2Hn²)) Σ_h Σ_{i,j} ¼ (⟨x_i, x_j⟩² + 1) e^h_ij  (times σ² for dD_h = … + σ
//   dS_h,
//                 S = (W + Wᵀ)/2 with W a matrix of independent Brownian motions),
//   the velocity ẋ_i = sign · P_{x_i} v_i,  v_i = (1/H) Σ_h Σ_j (e^h_ij / N_hi) D_h x_j,
//                 N_hi = Σ_j e^h_ij  (the multi-head SA field with A_h = D_h, V_h = D_h/H, β = 1),
//   the paper's metric slope 𝒢² = (1/n) Σ_i |P_{x_i} v_i|² / ((1/H) Σ_h n/N_hi)
//                 (harmonic-mean mobility).
// For H = 1 and constant D, dℰ/dt = −𝒢² along the descent velocity (sign −1); for H > 1 the two
// differ, which is what `edi-paper-slope` measures.
#pragma once

#include <Eigen/Core>
#include <string>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <vector>

namespace varsphere {

struct MultiHeadEvaluation {
  double energy = 0;
  Eigen::MatrixXd gradient;                      ///< ∇_X ℰ, d×n (Euclidean)
  std::vector<Eigen::MatrixXd> weight_gradient;  ///< ∂ℰ/∂D_h, d×d each
  double second_order = 0;   ///< ½ d²ℰ[Δ] for the weight step Δ passed in (0 if none)
  double ito_rate = 0;       ///< the Itô drift of ℰ per unit σ² and time
  Eigen::MatrixXd velocity;  ///< sign · P_{x_i} v_i, d×n
  double metric_slope = 0;   ///< the paper's 𝒢²
};

/// Throws InvalidInput unless there is at least one head and every D_h is a finite symmetric d×d.
void check_heads(const std::vector<Eigen::MatrixXd>& D, Eigen::Index d);

/// The heads of the token velocity as a multi-head SA field: A_h = D_h, V_h = D_h/H (β = 1), so
/// AttentionField(d, multihead_attention_heads(D), {Softmax, 1, sign}) moves tokens like
/// evaluate_multihead's velocity and brings the flow integrators and the field's Jacobian.
std::vector<AttentionHead> multihead_attention_heads(const std::vector<Eigen::MatrixXd>& D);

/// ℰ and its ledger terms at (X, D); `step` (optional, one d×d per head) is the weight increment
/// whose second-order term ½ d²ℰ[step] is wanted; `sign` is the sign of the velocity (−1: the
/// authors' descent).
MultiHeadEvaluation evaluate_multihead(const Eigen::MatrixXd& X,
                                       const std::vector<Eigen::MatrixXd>& D, double sign,
                                       const std::vector<Eigen::MatrixXd>* step = nullptr);

}  // namespace varsphere
