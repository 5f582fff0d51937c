// Discretization of the continuum Transformer (docs/math.md §5, TLLC): u(x, y) on Ω_x × Ω_y, with x a
// continuous token index and y a continuous feature coordinate, sampled on an N_x × N_y grid
// (row = token node x_i, column = feature node y_b) with quadrature weights ω^x_i, ω^y_b, so that
// ∫_{Ω_x} f dx ≈ Σ_i ω^x_i f(x_i) and ∫_{Ω_y} g dy ≈ Σ_b ω^y_b g(y_b).
//
// The midpoint rule on intervals [0, L] is second order for smooth integrands. With L = N the
// weights are 1, and the continuum operators reduce to the matrices of a discrete Transformer with
// N_x tokens of width N_y (which the encoder-equivalence check uses).
#pragma once

#include <Eigen/Core>
#include <string>
#include <varsphere/core/error.hpp>

namespace varsphere {

struct ContinuumGrid {
  Eigen::VectorXd x, wx;  ///< token nodes and their quadrature weights (N_x)
  Eigen::VectorXd y, wy;  ///< feature nodes and their quadrature weights (N_y)

  Eigen::Index tokens() const { return x.size(); }
  Eigen::Index features() const { return y.size(); }
  double token_measure() const { return wx.sum(); }    ///< |Ω_x|
  double feature_measure() const { return wy.sum(); }  ///< |Ω_y|

  /// Midpoint rule: x_i = (i + ½)L_x/N_x with weight L_x/N_x, and the same in y.
  static ContinuumGrid midpoint(Eigen::Index Nx, double Lx, Eigen::Index Ny, double Ly);

  /// Unit weights (Ω_x = [0, N_x], Ω_y = [0, N_y]): the discrete Transformer.
  static ContinuumGrid unit(Eigen::Index Nx, Eigen::Index Ny);

  /// Throws InvalidInput unless u is N_x × N_y and finite; `what` names it.
  void check_field(const Eigen::MatrixXd& u, const std::string& what) const;

  /// Throws InvalidInput unless W is an N_y × N_y finite kernel W(ξ_a, y_b).
  void check_kernel(const Eigen::MatrixXd& W, const std::string& what) const;
};

/// The feature integral operator (𝒲u)(x, y) = ∫_{Ω_y} W(ξ, y) u(x, ξ) dξ ≈ u diag(ω^y) W, with W
/// the kernel sampled as W(ξ_a, y_b).
Eigen::MatrixXd feature_integral(const ContinuumGrid& grid, const Eigen::MatrixXd& u,
                                 const Eigen::MatrixXd& W);

}  // namespace varsphere
