// How attention scores become weights (docs/math.md §2): SA normalizes each row by its sum (a
// softmax over the keys), USA divides by the number of tokens.
#pragma once

namespace varsphere {

enum class AttentionNormalization {
  Softmax,       ///< SA: w_ij = exp(β⟨x_i, A x_j⟩) / Σ_k exp(β⟨x_i, A x_k⟩)
  Unnormalized,  ///< USA: w_ij = exp(β⟨x_i, A x_j⟩) / n
  Sinkhorn,      ///< doubly stochastic: n·π, π the Sinkhorn plan of exp(β⟨x_i, A x_j⟩) (§2.7)
  Hardmax,       ///< β → ∞: w_ij uniform on argmax_j ⟨x_i, A x_j⟩ (ties within 1e-12·max(1, |max|))
};

}  // namespace varsphere
