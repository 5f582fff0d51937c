#include <varsphere/functionals/layer_norm_projection.hpp>

namespace varsphere {

Eigen::MatrixXd project_layer_norm(const ContinuumGrid& grid, const Eigen::MatrixXd& v,
                                   double sigma1, double sigma2) {
  grid.check_field(v, "layer norm input");
  if (!std::isfinite(sigma1) || !(sigma2 > 0) || !std::isfinite(sigma2)) {
    throw InvalidInput("layer norm: need a finite sigma1 and a positive finite sigma2");
  }
  const double measure = grid.feature_measure();
  Eigen::MatrixXd u(v.rows(), v.cols());
  for (Eigen::Index i = 0; i < v.rows(); ++i) {
    const double mean = v.row(i).dot(grid.wy) / measure;
    const Eigen::RowVectorXd centred = v.row(i).array() - mean;
    const double var = centred.cwiseAbs2().dot(grid.wy) / measure;
    const double scale = std::max(v.row(i).cwiseAbs2().dot(grid.wy) / measure, 1e-300);
    if (!(var > 1e-28 * scale)) {
      throw Error("layer norm: token " + std::to_string(i) +
                  " is constant in the feature variable (variance 0): the projection onto S1 is "
                  "undefined");
    }
    u.row(i) = (sigma2 / std::sqrt(var)) * centred.array() + sigma1;
  }
  return u;
}

Eigen::MatrixXd project_nonnegative(const Eigen::MatrixXd& v) {
  return v.cwiseMax(0.0);
}

}  // namespace varsphere
