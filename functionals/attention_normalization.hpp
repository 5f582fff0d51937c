// How attention scores become weights (docs/math.md §2): SA normalizes each row by its sum (a
// softmax over the keys), USA divides by the number of tokens.
#pragma once

namespace varsphere {

enum class AttentionNormalization {
  Softmax,       ///< SA: w_ij = exp(β⟨x_i, A x_j⟩) / Σ_k exp(β⟨x_i, A x_k⟩)
  Unnormalized,  ///< USA: w_ij = exp(β⟨x_i, A x_j⟩) / n
};

}  // namespace varsphere
