// Discretization of the continuum Transformer (MATH.md §5, TLLC): u(x, y) on Ω_x × Ω_y, with x a
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
  static ContinuumGrid midpoint(Eigen::Index Nx, double Lx, Eigen::Index Ny, double Ly) {
    if (Nx < 1 || Ny < 2 || !(Lx > 0) || !(Ly > 0) || !std::isfinite(Lx) || !std::isfinite(Ly)) {
      throw InvalidInput("continuum grid: need N_x >= 1, N_y >= 2 and positive finite lengths");
    }
    ContinuumGrid g;
    g.x = (Eigen::VectorXd::LinSpaced(Nx, 0, double(Nx - 1)).array() + 0.5) * (Lx / double(Nx));
    g.y = (Eigen::VectorXd::LinSpaced(Ny, 0, double(Ny - 1)).array() + 0.5) * (Ly / double(Ny));
    g.wx = Eigen::VectorXd::Constant(Nx, Lx / double(Nx));
    g.wy = Eigen::VectorXd::Constant(Ny, Ly / double(Ny));
    return g;
  }

  /// Unit weights (Ω_x = [0, N_x], Ω_y = [0, N_y]): the discrete Transformer.
  static ContinuumGrid unit(Eigen::Index Nx, Eigen::Index Ny) {
    return midpoint(Nx, double(Nx), Ny, double(Ny));
  }

  /// Throws InvalidInput unless u is N_x × N_y and finite; `what` names it.
  void check_field(const Eigen::MatrixXd& u, const std::string& what) const {
    if (u.rows() != tokens() || u.cols() != features()) {
      throw InvalidInput(what + ": expected " + std::to_string(tokens()) + "x" +
                         std::to_string(features()) + " (tokens x features), got " +
                         std::to_string(u.rows()) + "x" + std::to_string(u.cols()));
    }
    if (!u.allFinite()) throw InvalidInput(what + ": contains a non-finite value");
  }

  /// Throws InvalidInput unless W is an N_y × N_y finite kernel W(ξ_a, y_b).
  void check_kernel(const Eigen::MatrixXd& W, const std::string& what) const {
    if (W.rows() != features() || W.cols() != features() || !W.allFinite()) {
      throw InvalidInput(what + ": expected a finite " + std::to_string(features()) + "x" +
                         std::to_string(features()) + " kernel on the feature grid");
    }
  }
};

/// The feature integral operator (𝒲u)(x, y) = ∫_{Ω_y} W(ξ, y) u(x, ξ) dξ ≈ u diag(ω^y) W, with W
/// the kernel sampled as W(ξ_a, y_b).
inline Eigen::MatrixXd feature_integral(const ContinuumGrid& grid, const Eigen::MatrixXd& u,
                                        const Eigen::MatrixXd& W) {
  return u * grid.wy.asDiagonal() * W;
}

}  // namespace varsphere
