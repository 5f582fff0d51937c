#include <varsphere/functionals/continuum_grid.hpp>

namespace varsphere {

ContinuumGrid ContinuumGrid::midpoint(Eigen::Index Nx, double Lx, Eigen::Index Ny, double Ly) {
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

ContinuumGrid ContinuumGrid::unit(Eigen::Index Nx, Eigen::Index Ny) {
  return midpoint(Nx, double(Nx), Ny, double(Ny));
}

void ContinuumGrid::check_field(const Eigen::MatrixXd& u, const std::string& what) const {
  if (u.rows() != tokens() || u.cols() != features()) {
    throw InvalidInput(what + ": expected " + std::to_string(tokens()) + "x" +
                       std::to_string(features()) + " (tokens x features), got " +
                       std::to_string(u.rows()) + "x" + std::to_string(u.cols()));
  }
  if (!u.allFinite()) throw InvalidInput(what + ": contains a non-finite value");
}

void ContinuumGrid::check_kernel(const Eigen::MatrixXd& W, const std::string& what) const {
  if (W.rows() != features() || W.cols() != features() || !W.allFinite()) {
    throw InvalidInput(what + ": expected a finite " + std::to_string(features()) + "x" +
                       std::to_string(features()) + " kernel on the feature grid");
  }
}

Eigen::MatrixXd feature_integral(const ContinuumGrid& grid, const Eigen::MatrixXd& u,
                                 const Eigen::MatrixXd& W) {
  return u * grid.wy.asDiagonal() * W;
}

}  // namespace varsphere
