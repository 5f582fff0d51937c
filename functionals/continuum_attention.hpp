// The continuum self-attention operator (docs/math.md §5, TLLC). With the feature integral operators
//   Q(x, y) = ∫ W^Q(ξ, y) u(x, ξ) dξ,  K(x, y) = ∫ W^K(ξ, y) u(x, ξ) dξ,  V(x, y) = ∫ W^V(ξ, y)
//   u(x, ξ) dξ,
// head h acts on its part Ω_y^h of the feature domain (H equal contiguous blocks of the feature
// grid, as the heads of a Transformer split the model width):
//   γ_h(x, x̃) = exp(⟨Q(x,·), K(x̃,·)⟩_h / √|Ω_y^h|) / ∫_{Ω_x} exp(⟨Q(x,·), K(η,·)⟩_h / √|Ω_y^h|) dη,
//   A(x, y)   = ∫_{Ω_x} γ_h(x, x̃) V(x̃, y) dx̃              for y ∈ Ω_y^h,
// ⟨f, g⟩_h = ∫_{Ω_y^h} f g dy, and Attn(u)(x, y) = ∫ W^O(ξ, y) A(x, ξ) dξ (W^O optional: without
// it Attn = A, the paper's single-head operator). γ_h(x, ·) integrates to 1 over Ω_x by the
// token quadrature; the exponentials are shifted by their row maximum (no overflow).
#pragma once

#include <Eigen/Core>
#include <optional>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/continuum_grid.hpp>

namespace varsphere {

struct ContinuumAttentionKernels {
  Eigen::MatrixXd WQ, WK, WV;         ///< N_y × N_y kernels W(ξ_a, y_b)
  std::optional<Eigen::MatrixXd> WO;  ///< output kernel; none: the identity operator
  int heads = 1;                      ///< H, must divide N_y
};

/// Throws InvalidInput for kernels of the wrong size or non-finite, or H not dividing N_y.
void check_attention_kernels(const ContinuumGrid& grid, const ContinuumAttentionKernels& k);

/// γ_h as an N_x × N_x matrix (row x, column x̃), for head h of `heads`.
Eigen::MatrixXd attention_kernel(const ContinuumGrid& grid, const Eigen::MatrixXd& Q,
                                 const Eigen::MatrixXd& K, int h, int heads);

/// Attn(u), N_x × N_y.
Eigen::MatrixXd continuum_attention(const ContinuumGrid& grid, const ContinuumAttentionKernels& k,
                                    const Eigen::MatrixXd& u);

}  // namespace varsphere
