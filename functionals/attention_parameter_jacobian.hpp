// Derivatives of the attention field with respect to its matrices (docs/math.md §7.2), what fitting
// attention flows to observed paths differentiates. For SA (c = 1) and USA (c = 0) heads, with
// w_ij the weight of token j in the update of token i, x̄_i = Σ_j w_ij x_j and
// G_i = Σ_j w_ij x_j x_jᵀ, the unprojected velocity D_i = Σ_h Σ_j w_ij V_h x_j has
//     ∂D_{i,a}/∂A_{pq} = β x_{i,p} C_i(a, q),   C_i = V (G_i − c x̄_i x̄_iᵀ),
//     ∂D_{i,a}/∂V_{bc} = δ_ab x̄_{i,c},
// and F_i = sign · P_{x_i} D_i: the rows of token i are projected. Cost O(n²d²) per head. A score
// bias (mask, ALiBi, user matrix) does not depend on A: the same formulas hold with its weights
// (masked tokens have w_ij = 0).
#pragma once

#include <Eigen/Core>
#include <vector>
#include <varsphere/functionals/attention_field.hpp>

namespace varsphere {

struct AttentionParameterJacobian {
  Eigen::MatrixXd velocity;        ///< F(t, X), d×n
  std::vector<Eigen::MatrixXd> A;  ///< per head: ∂vec F/∂vec A_h, (nd)×(d²), column p + q·d
  std::vector<Eigen::MatrixXd> V;  ///< per head: ∂vec F/∂vec V_h, (nd)×(d²)
};

/// F and its derivatives with respect to every head's A and V at (t, X). Throws InvalidInput for
/// Sinkhorn or hardmax attention (not differentiable in A this way).
AttentionParameterJacobian attention_parameter_jacobian(const AttentionField& field, double t,
                                                        const Eigen::MatrixXd& X);

}  // namespace varsphere
