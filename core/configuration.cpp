#include <varsphere/core/configuration.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <varsphere/core/error.hpp>

namespace varsphere {

void validate_finite(const Eigen::Ref<const Eigen::MatrixXd>& M, const std::string& what) {
  for (Eigen::Index j = 0; j < M.cols(); ++j) {
    for (Eigen::Index i = 0; i < M.rows(); ++i) {
      if (!std::isfinite(M(i, j))) {
        std::ostringstream msg;
        msg << what << ": entry (" << i + 1 << ", " << j + 1 << ") is not finite (" << M(i, j)
            << ")";
        throw InvalidInput(msg.str());
      }
    }
  }
}

void validate_configuration(const Eigen::Ref<const Eigen::MatrixXd>& X, double unit_tol,
                            const std::string& what) {
  std::ostringstream msg;
  msg << what << ": ";
  if (X.rows() < 2) {
    msg << "dimension d = " << X.rows() << " but tokens must live on S^{d-1} with d >= 2";
    throw InvalidInput(msg.str());
  }
  if (X.cols() < 1) {
    msg << "no tokens (n = 0)";
    throw InvalidInput(msg.str());
  }
  for (Eigen::Index i = 0; i < X.cols(); ++i) {
    for (Eigen::Index k = 0; k < X.rows(); ++k) {
      if (!std::isfinite(X(k, i))) {
        msg << "token " << i + 1 << " coordinate " << k + 1 << " is not finite (" << X(k, i) << ")";
        throw InvalidInput(msg.str());
      }
    }
    const double norm = X.col(i).norm();
    if (!(std::abs(norm - 1.0) <= unit_tol)) {
      msg.precision(17);
      msg << "token " << i + 1 << " has norm " << norm << ", not 1 within " << unit_tol
          << " (tokens must lie on the unit sphere)";
      throw InvalidInput(msg.str());
    }
  }
}

void validate_symmetric(const Eigen::Ref<const Eigen::MatrixXd>& M, const std::string& what) {
  const double scale = std::max(1.0, M.cwiseAbs().maxCoeff());
  if (M.rows() != M.cols() || (M - M.transpose()).cwiseAbs().maxCoeff() > 1e-12 * scale) {
    throw InvalidInput(what + ": must be symmetric");
  }
}

Configuration normalize_columns(const Eigen::Ref<const Eigen::MatrixXd>& X) {
  validate_finite(X, "normalize_columns");
  for (Eigen::Index i = 0; i < X.cols(); ++i) {
    if (X.col(i).squaredNorm() == 0.0) {
      throw InvalidInput("normalize_columns: token " + std::to_string(i + 1) +
                         " is the zero vector");
    }
  }
  Configuration out = X;
  normalize_columns_in_place(out);
  return out;
}

void normalize_columns_in_place(Eigen::Ref<Eigen::MatrixXd> X) {
  // Column by column: a one-line `X *= diag(1/‖x_i‖)` would re-read norms of columns it is
  // already rescaling (Eigen evaluates that expression lazily).
  for (Eigen::Index i = 0; i < X.cols(); ++i) X.col(i) /= X.col(i).norm();
}

}  // namespace varsphere
