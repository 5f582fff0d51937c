// The Jacobians of a least-squares step residual s(X_a, X_b) in factored form (docs/math.md §3.7):
//
//     ∂s/∂X_a = S·M_a + E_a + Z_a,        ∂s/∂X_b = S·M_b + E_b + Z_b,
//
//  * S (m × nd) dense and shared by both nodes: the residual's derivative with respect to the
//    point where the Lagrangian is evaluated (the midpoint M for the midpoint rule);
//  * M_a, M_b block-diagonal, n blocks d×d: how that point moves with each token of X_a, X_b;
//  * E_a, E_b token-local: token i's block (rows × d) acts on rows [row_i, row_i + rows_i) only,
//    and these row ranges are disjoint (the velocity enters the residual of its own token);
//  * Z_a, Z_b dense rows at the row indices `dense_rows` (where S and E vanish), e.g. the defect
//    row of the null-Lagrangian split.
//
// The Gauss–Newton blocks then need one symmetric product SᵀS (nd × nd, m rows) per step instead
// of three products of size (n(d−1))² × m: about four times less work, and no m × nd Jacobian per
// node is ever formed.
#pragma once

#include <Eigen/Core>
#include <vector>

namespace varsphere {

struct FactoredStepJacobian {
  Eigen::MatrixXd S;  ///< its rows may stop before the residual's: the missing rows are zero
  std::vector<Eigen::MatrixXd> Ma, Mb;                  ///< n blocks d×d
  std::vector<Eigen::Index> local_row, local_rows;      ///< per token: first row and row count
  std::vector<Eigen::MatrixXd> Ea, Eb;                  ///< per token: local_rows × d
  std::vector<Eigen::Index> dense_rows;
  Eigen::MatrixXd Za, Zb;                               ///< dense_rows.size() × nd
};

/// How a factored evaluation ended.
enum class FactoredStep {
  Ok,         ///< residual and factored Jacobians written
  Undefined,  ///< the residual is undefined here (cut locus, split offset exceeded)
  Dense,      ///< this residual has no such structure here: use the dense Jacobians
};

/// Fills J from the Lagrangian's ∂r/∂M (JM, m × nd: moved into J.S and scaled, not copied),
/// ∂r/∂V (JV, m × nd) and each token's (2d × 2d) step-state Jacobian `local` (rows (m_i, v_i),
/// columns (a_i, b_i)), times root_h: S = √h·JM, M from the m-rows of `local`, E from JV's token
/// blocks times the v-rows of `local`. JV must be token-local (its nonzero entries for token i in
/// one row range, disjoint from the others'); returns false otherwise (J is then unspecified).
/// Rows of the residual below S's last row (a split's defect row) are rows where S is zero.
bool factor_step_jacobian(double root_h, Eigen::MatrixXd&& JM, const Eigen::MatrixXd& JV,
                          const std::vector<Eigen::MatrixXd>& local, FactoredStepJacobian& J);

}  // namespace varsphere
