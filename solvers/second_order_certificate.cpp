#include <varsphere/solvers/second_order_certificate.hpp>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/solvers/action_hessian.hpp>

namespace varsphere {
namespace {

constexpr Eigen::Index kDenseLimit = 400;
constexpr std::uint64_t kKrylovSeed = 0x5ec0'0d0f'2026ULL;

double gershgorin_bound(const BlockTridiagonalSystem& H) {
  double bound = 0;
  for (int k = 0; k < H.blocks(); ++k) {
    const Eigen::MatrixXd D = H.diagonal(k).selfadjointView<Eigen::Lower>();
    Eigen::VectorXd rows = D.cwiseAbs().rowwise().sum();
    if (k + 1 < H.blocks()) rows += H.coupling(k).cwiseAbs().rowwise().sum();
    if (k > 0) rows += H.coupling(k - 1).cwiseAbs().colwise().sum().transpose();
    bound = std::max(bound, rows.maxCoeff());
  }
  return bound;
}

// The `wanted` largest eigenvalues of A⁻¹ (A = H − σI, factored positive definite) by block
// Krylov iteration with full reorthogonalization and Rayleigh–Ritz, descending.
std::vector<double> largest_of_inverse(const BlockTridiagonalSystem& A, int wanted) {
  const Eigen::Index total = A.size();
  const Eigen::Index p = std::min<Eigen::Index>(wanted + 2, total);
  const Eigen::Index limit = std::min<Eigen::Index>(total, std::max<Eigen::Index>(40 * p, 240));
  Rng rng(kKrylovSeed);
  Eigen::MatrixXd block = Eigen::HouseholderQR<Eigen::MatrixXd>(rng.normal_matrix(total, p))
                              .householderQ() *
                          Eigen::MatrixXd::Identity(total, p);
  Eigen::MatrixXd V(total, 0), W(total, 0), G(0, 0);
  std::vector<double> ritz;
  while (true) {
    const Eigen::Index m = V.cols(), b = block.cols();
    Eigen::MatrixXd AW(total, b);
    for (Eigen::Index j = 0; j < b; ++j) AW.col(j) = A.solve(block.col(j));
    V.conservativeResize(Eigen::NoChange, m + b);
    W.conservativeResize(Eigen::NoChange, m + b);
    V.rightCols(b) = block;
    W.rightCols(b) = AW;
    G.conservativeResize(m + b, m + b);
    G.rightCols(b) = V.transpose() * AW;
    G.bottomLeftCorner(b, m) = G.topRightCorner(m, b).transpose();
    const Eigen::MatrixXd Gs = 0.5 * (G + G.transpose());
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(Gs);
    const Eigen::Index k = std::min<Eigen::Index>(wanted, m + b);
    // Residuals of the k largest Ritz pairs: |A⁻¹Vy − θVy| = |Wy − θVy|.
    bool converged = true;
    ritz.clear();
    for (Eigen::Index i = 0; i < k; ++i) {
      const Eigen::Index c = m + b - 1 - i;
      const double theta = eig.eigenvalues()(c);
      const Eigen::VectorXd y = eig.eigenvectors().col(c);
      const double residual = (W * y - theta * (V * y)).norm();
      converged = converged && residual <= 1e-10 * std::abs(theta);
      ritz.push_back(theta);
    }
    if (converged || m + b >= limit) break;
    // Next block: A⁻¹ of this one, orthogonalized twice against the basis.
    Eigen::MatrixXd next = AW;
    for (int pass = 0; pass < 2; ++pass) next -= V * (V.transpose() * next);
    // What is left of it (pivoted QR: the numerically dependent columns come last and are
    // dropped); nothing left is an invariant subspace, whose Ritz values are exact.
    if (next.norm() <= 1e-10 * AW.norm()) break;
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(next);
    qr.setThreshold(1e-10);
    const Eigen::Index keep = qr.rank();
    if (keep == 0 || m + b + keep > total) break;
    block = (qr.householderQ() * Eigen::MatrixXd::Identity(total, b)).leftCols(keep);
  }
  return ritz;
}

}  // namespace

std::string to_string(StationaryKind kind) {
  switch (kind) {
    case StationaryKind::StrictLocalMinimum:
      return "strict-local-minimum";
    case StationaryKind::Saddle:
      return "saddle";
    case StationaryKind::Degenerate:
      return "degenerate";
  }
  return "unknown";
}

SecondOrderCertificate certify_hessian(const BlockTridiagonalSystem& H,
                                       const SecondOrderOptions& options) {
  if (options.eigenvalues < 1) {
    throw InvalidInput("second-order certificate: eigenvalues = " +
                       std::to_string(options.eigenvalues) + " but at least 1 is needed");
  }
  if (!(options.zero_tolerance > 0 && options.zero_tolerance < 1)) {
    throw InvalidInput("second-order certificate: zero tolerance must be in (0, 1)");
  }
  const auto start = std::chrono::steady_clock::now();
  SecondOrderCertificate out;
  out.dimension = static_cast<long>(H.size());
  out.hessian_norm = gershgorin_bound(H);
  const double delta = options.zero_tolerance * out.hessian_norm;
  out.zero_threshold = delta;
  const int wanted = static_cast<int>(std::min<Eigen::Index>(options.eigenvalues, H.size()));

  if (H.size() <= kDenseLimit) {
    const Eigen::VectorXd lambda =
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(H.dense(), Eigen::EigenvaluesOnly)
            .eigenvalues();
    out.morse_index = static_cast<long>((lambda.array() < -delta).count());
    out.near_zero = static_cast<long>((lambda.array().abs() <= delta).count());
    out.smallest_eigenvalues.assign(lambda.data(), lambda.data() + wanted);
  } else {
    // A shift below every eigenvalue: −δ for a minimizer, else further down until H − σI is
    // positive definite (Gershgorin: σ = −1.01‖H‖ always is).
    BlockTridiagonalSystem A = H;
    double sigma = -delta;
    bool indefinite = false;
    for (int attempt = 0;; ++attempt) {
      for (int k = 0; k < A.blocks(); ++k) {
        A.diagonal(k) = H.diagonal(k);
        A.diagonal(k).diagonal().array() -= sigma;
      }
      if (A.factor(0.0, options.threads, 1e-6, FactorPrecision::Double)) break;
      indefinite = true;
      sigma = attempt < 6 ? -out.hessian_norm * std::pow(10.0, attempt - 6)
                          : -1.01 * out.hessian_norm - delta;
    }
    for (double theta : largest_of_inverse(A, wanted)) {
      out.smallest_eigenvalues.push_back(sigma + 1.0 / theta);
    }
    std::sort(out.smallest_eigenvalues.begin(), out.smallest_eigenvalues.end());
    // Counts: the first factor certified λ > −δ unless it failed; [−δ, δ] is empty when the
    // smallest eigenvalue lies above δ.
    out.morse_index = indefinite ? static_cast<long>(H.count_below(-delta)) : 0;
    const bool clear = !out.smallest_eigenvalues.empty() && out.smallest_eigenvalues[0] > delta;
    out.near_zero = clear ? 0 : static_cast<long>(H.count_below(delta)) - out.morse_index;
  }
  out.kind = out.near_zero > 0     ? StationaryKind::Degenerate
             : out.morse_index > 0 ? StationaryKind::Saddle
                                   : StationaryKind::StrictLocalMinimum;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

SecondOrderCertificate second_order_certificate(const StepModel& model, const Trajectory& path,
                                                const SecondOrderOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  SecondOrderCertificate out =
      certify_hessian(action_hessian(model, path, options.threads), options);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace varsphere
