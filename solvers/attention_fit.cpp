#include <varsphere/solvers/attention_fit.hpp>

#include <ceres/ceres.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/attention_parameter_jacobian.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/discrete_lagrangian.hpp>

namespace varsphere {
namespace {

constexpr Eigen::Index kDenseParameterLimit = 4000;

// F_θ(t, X) and ∂vec F/∂u (nd × block_size), u = Σ_b w_b θ_b the numbers in force at t; the
// derivative with respect to block b is w_b times it. The field at t is kept for ∂F/∂X.
struct FieldAtTime {
  AttentionField field;
  Eigen::MatrixXd F, J;
  Eigen::VectorXd w;
};

FieldAtTime field_at_time(const AttentionFamily& fam, const Eigen::VectorXd& theta, double t,
                          const Eigen::MatrixXd& X, bool jacobian) {
  const Eigen::VectorXd u = fam.numbers_at(theta, t);
  FieldAtTime out{AttentionField(fam.d, fam.heads_of(u), fam.field_options()), {}, {}, fam.block_weights(t)};
  if (!jacobian) {
    out.field(t, X, out.F);
    return out;
  }
  const AttentionParameterJacobian pj = attention_parameter_jacobian(out.field, t, X);
  out.F = pj.velocity;
  const Eigen::Index P = fam.head_size(), dd = fam.d * fam.d, s = fam.score_size();
  out.J.resize(X.size(), fam.block_size());
  Eigen::MatrixXd dA, dV;
  for (int h = 0; h < fam.heads; ++h) {
    if (fam.score == ScoreFamily::Full && fam.value == ValueFamily::Full) {
      // Both maps are identities: no product (the common case at research sizes).
      out.J.middleCols(h * P, dd) = pj.A[h];
      out.J.middleCols(h * P + s, dd) = pj.V[h];
      continue;
    }
    fam.head_jacobians(u.segment(h * P, P), dA, dV);
    out.J.middleCols(h * P, P).noalias() = pj.A[h] * dA;
    out.J.middleCols(h * P, P).noalias() += pj.V[h] * dV;
  }
  return out;
}

// The blocks a residual at time t depends on (nonzero weights).
std::vector<int> active_blocks(const AttentionFamily& fam, double t) {
  const Eigen::VectorXd w = fam.block_weights(t);
  std::vector<int> out;
  for (int b = 0; b < w.size(); ++b)
    if (w(b) != 0) out.push_back(b);
  return out;
}

// The observed step k of a path: midpoint state and √h.
struct ObservedStep {
  double t_mid, root_h;
  Eigen::MatrixXd M, V;
};

std::vector<ObservedStep> observed_steps(const Trajectory& path) {
  std::vector<ObservedStep> out;
  for (std::size_t k = 0; k + 1 < path.size(); ++k) {
    const double h = path.times[k + 1] - path.times[k];
    ObservedStep s{path.times[k] + h / 2, std::sqrt(h), {}, {}};
    if (!step_state(DiscreteRule::Midpoint, path.frames[k], path.frames[k + 1], h, s.M, s.V)) {
      throw CutLocusError("fit: a token jumps to its antipode between two frames (t = " +
                          std::to_string(path.times[k]) + ")");
    }
    out.push_back(std::move(s));
  }
  return out;
}

// θ from the parameter blocks Ceres hands over (the blocks not given keep `theta`'s values).
Eigen::VectorXd gather(const AttentionFamily& fam, const std::vector<int>& blocks,
                       double const* const* parameters) {
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(fam.parameter_count());
  const Eigen::Index Bs = fam.block_size();
  for (std::size_t j = 0; j < blocks.size(); ++j) {
    theta.segment(blocks[j] * Bs, Bs) = Eigen::Map<const Eigen::VectorXd>(parameters[j], Bs);
  }
  return theta;
}

// √h (V_k − F_θ(t*, M_k)) for one observed step.
class PathOptimalityStep final : public ceres::CostFunction {
 public:
  PathOptimalityStep(const AttentionFamily* fam, const ObservedStep* step)
      : fam_(fam), step_(step), blocks_(active_blocks(*fam, step->t_mid)) {
    set_num_residuals(static_cast<int>(step->M.size()));
    for (std::size_t j = 0; j < blocks_.size(); ++j)
      mutable_parameter_block_sizes()->push_back(static_cast<int>(fam->block_size()));
  }
  const std::vector<int>& blocks() const { return blocks_; }
  bool Evaluate(double const* const* parameters, double* residuals, double** jacobians) const override {
    const Eigen::VectorXd theta = gather(*fam_, blocks_, parameters);
    const FieldAtTime f = field_at_time(*fam_, theta, step_->t_mid, step_->M, jacobians != nullptr);
    const Eigen::Index m = step_->M.size();
    Eigen::Map<Eigen::VectorXd>(residuals, m) =
        step_->root_h * Eigen::Map<const Eigen::VectorXd>(Eigen::MatrixXd(step_->V - f.F).data(), m);
    if (jacobians != nullptr) {
      for (std::size_t j = 0; j < blocks_.size(); ++j) {
        if (jacobians[j] == nullptr) continue;
        Eigen::Map<Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(jacobians[j], m, fam_->block_size()) =
            -step_->root_h * f.w(blocks_[j]) * f.J;
      }
    }
    return true;
  }

 private:
  const AttentionFamily* fam_;
  const ObservedStep* step_;
  std::vector<int> blocks_;
};

// RK4 flow of F_θ through the observation times, with the forward sensitivity S = ∂vec X/∂θ of
// the discrete map when asked (exact derivative of the RK4 steps).
struct SensitiveFlow {
  std::vector<Eigen::MatrixXd> frames;
  std::vector<Eigen::MatrixXd> sensitivity;  // nd × P per frame
};

SensitiveFlow rk4_flow(const AttentionFamily& fam, const Eigen::VectorXd& theta,
                       const Trajectory& path, std::size_t from, std::size_t to, double max_step,
                       bool sensitivities) {
  const Eigen::Index d = fam.d, n = path.frames[from].cols(), nd = d * n;
  const Eigen::Index P = fam.parameter_count(), Bs = fam.block_size();
  SensitiveFlow out;
  Eigen::MatrixXd X = path.frames[from];
  Eigen::MatrixXd S = Eigen::MatrixXd::Zero(sensitivities ? nd : 0, sensitivities ? P : 0);
  out.frames.push_back(X);
  if (sensitivities) out.sensitivity.push_back(S);
  // One stage: k = F(t, Y), dk = ∂F/∂X·SY + ∂F/∂θ.
  auto stage = [&](double t, const Eigen::MatrixXd& Y, const Eigen::MatrixXd& SY, Eigen::MatrixXd& k,
                   Eigen::MatrixXd& dk) {
    const FieldAtTime f = field_at_time(fam, theta, t, Y, sensitivities);
    k = f.F;
    if (!sensitivities) return;
    dk.noalias() = f.field.velocity_jacobian(t, Y) * SY;
    for (int b = 0; b < f.w.size(); ++b)
      if (f.w(b) != 0) dk.middleCols(b * Bs, Bs) += f.w(b) * f.J;
  };
  Eigen::MatrixXd k1, k2, k3, k4, d1, d2, d3, d4;
  for (std::size_t j = from; j < to; ++j) {
    const double span = path.times[j + 1] - path.times[j];
    const int steps = std::max(1, static_cast<int>(std::ceil(span / max_step - 1e-12)));
    const double h = span / steps;
    for (int s = 0; s < steps; ++s) {
      const double t = path.times[j] + s * h;
      stage(t, X, S, k1, d1);
      stage(t + h / 2, X + h / 2 * k1, sensitivities ? Eigen::MatrixXd(S + h / 2 * d1) : S, k2, d2);
      stage(t + h / 2, X + h / 2 * k2, sensitivities ? Eigen::MatrixXd(S + h / 2 * d2) : S, k3, d3);
      stage(t + h, X + h * k3, sensitivities ? Eigen::MatrixXd(S + h * d3) : S, k4, d4);
      X += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
      if (sensitivities) S += h / 6 * (d1 + 2 * d2 + 2 * d3 + d4);
    }
    out.frames.push_back(X);
    if (sensitivities) out.sensitivity.push_back(S);
  }
  return out;
}

// Φ_θ(t_k; X_0) − X_k for the frames 1..last of one path.
class TrajectoryMatchingPath final : public ceres::CostFunction {
 public:
  TrajectoryMatchingPath(const AttentionFamily* fam, const Trajectory* path, std::size_t last,
                         double max_step)
      : fam_(fam), path_(path), last_(last), max_step_(max_step) {
    const Eigen::Index nd = path->frames[0].size();
    set_num_residuals(static_cast<int>(nd * static_cast<Eigen::Index>(last)));
    for (int b = 0; b < fam->time_blocks(); ++b)
      mutable_parameter_block_sizes()->push_back(static_cast<int>(fam->block_size()));
    for (int b = 0; b < fam->time_blocks(); ++b) blocks_.push_back(b);
  }
  bool Evaluate(double const* const* parameters, double* residuals, double** jacobians) const override {
    const Eigen::VectorXd theta = gather(*fam_, blocks_, parameters);
    const SensitiveFlow flow = rk4_flow(*fam_, theta, *path_, 0, last_, max_step_, jacobians != nullptr);
    const Eigen::Index nd = path_->frames[0].size(), Bs = fam_->block_size();
    for (std::size_t k = 1; k <= last_; ++k) {
      const Eigen::MatrixXd diff = flow.frames[k] - path_->frames[k];
      if (!diff.allFinite()) return false;
      Eigen::Map<Eigen::VectorXd>(residuals + (k - 1) * nd, nd) =
          Eigen::Map<const Eigen::VectorXd>(diff.data(), nd);
      if (jacobians == nullptr) continue;
      for (std::size_t b = 0; b < blocks_.size(); ++b) {
        if (jacobians[b] == nullptr) continue;
        Eigen::Map<Eigen::Matrix<double, -1, -1, Eigen::RowMajor>> J(jacobians[b], num_residuals(), Bs);
        J.middleRows((k - 1) * nd, nd) = flow.sensitivity[k].middleCols(b * Bs, Bs);
      }
    }
    return true;
  }

 private:
  const AttentionFamily* fam_;
  const Trajectory* path_;
  std::size_t last_;
  double max_step_;
  std::vector<int> blocks_;
};

// One Ceres problem over the θ blocks.
struct FitProblem {
  std::vector<Eigen::VectorXd> blocks;
  std::unique_ptr<ceres::Problem> problem;
  std::vector<std::vector<ObservedStep>> steps;  // kept alive for the cost functions

  FitProblem(const AttentionFamily& fam, const Eigen::VectorXd& theta) {
    for (int b = 0; b < fam.time_blocks(); ++b)
      blocks.push_back(theta.segment(b * fam.block_size(), fam.block_size()));
    ceres::Problem::Options o;
    o.enable_fast_removal = false;
    problem = std::make_unique<ceres::Problem>(o);
    for (auto& b : blocks) problem->AddParameterBlock(b.data(), static_cast<int>(b.size()));
  }
  Eigen::VectorXd theta() const {
    Eigen::VectorXd out(blocks.size() * (blocks.empty() ? 0 : blocks[0].size()));
    for (std::size_t b = 0; b < blocks.size(); ++b) out.segment(b * blocks[b].size(), blocks[b].size()) = blocks[b];
    return out;
  }
  std::vector<double*> pointers(const std::vector<int>& which) {
    std::vector<double*> out;
    for (int b : which) out.push_back(blocks[b].data());
    return out;
  }
};

void add_path_optimality(FitProblem& fp, const AttentionFamily& fam,
                         const std::vector<Trajectory>& paths) {
  fp.steps.clear();
  for (const Trajectory& p : paths) fp.steps.push_back(observed_steps(p));
  for (const auto& path_steps : fp.steps) {
    for (const ObservedStep& s : path_steps) {
      auto* cost = new PathOptimalityStep(&fam, &s);
      fp.problem->AddResidualBlock(cost, nullptr, fp.pointers(cost->blocks()));
    }
  }
}

void add_trajectory_matching(FitProblem& fp, const AttentionFamily& fam,
                             const std::vector<Trajectory>& paths, double window, double max_step) {
  std::vector<int> all(fam.time_blocks());
  for (int b = 0; b < fam.time_blocks(); ++b) all[b] = b;
  for (const Trajectory& p : paths) {
    const std::size_t frames = p.size() - 1;
    const std::size_t last = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(window * frames - 1e-9)));
    fp.problem->AddResidualBlock(new TrajectoryMatchingPath(&fam, &p, std::min(last, frames), max_step),
                                 nullptr, fp.pointers(all));
  }
}

// The residuals of `loss` on all of each path.
void add_loss(FitProblem& fp, const AttentionFamily& fam, const std::vector<Trajectory>& paths,
              FitLoss loss, double max_step) {
  if (loss == FitLoss::PathOptimality) {
    add_path_optimality(fp, fam, paths);
  } else {
    add_trajectory_matching(fp, fam, paths, 1.0, max_step);
  }
}

ceres::Solver::Summary solve(FitProblem& fp, const FitOptions& options, Eigen::Index P) {
  ceres::Solver::Options o;
  o.minimizer_type = ceres::TRUST_REGION;
  o.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
  // Dense QR is the most accurate; past 10⁹ multiply-adds per iteration the normal equations
  // (the same m·P² flops as a symmetric rank update, several times faster) take over.
  const double work = double(fp.problem->NumResiduals()) * double(P) * double(P);
  o.linear_solver_type = P > kDenseParameterLimit ? ceres::SPARSE_NORMAL_CHOLESKY
                         : work > 1e9             ? ceres::DENSE_NORMAL_CHOLESKY
                                                  : ceres::DENSE_QR;
  o.max_num_iterations = options.max_iterations;
  o.num_threads = std::max(1, options.threads);
  o.function_tolerance = 1e-14;
  o.gradient_tolerance = 1e-14;
  o.parameter_tolerance = 1e-12;
  o.logging_type = ceres::SILENT;
  ceres::Solver::Summary summary;
  ceres::Solve(o, fp.problem.get(), &summary);
  return summary;
}

struct SolveOutcome {
  Eigen::VectorXd theta;
  double cost = std::numeric_limits<double>::infinity();
  int iterations = 0;
  bool converged = false;
  std::string message;
};

SolveOutcome fit_from(const std::vector<Trajectory>& paths, const AttentionFamily& fam,
                      const FitOptions& options, const Eigen::VectorXd& start) {
  SolveOutcome out;
  out.theta = start;
  const Eigen::Index P = fam.parameter_count();
  // One stage: the loss `add` builds, from the current θ.
  auto stage = [&](const auto& add) {
    FitProblem fp(fam, out.theta);
    add(fp);
    const ceres::Solver::Summary s = solve(fp, options, P);
    out.theta = fp.theta();
    out.cost = s.final_cost;
    out.iterations += static_cast<int>(s.iterations.size());
    out.converged = s.termination_type == ceres::CONVERGENCE;
    out.message = s.message;
  };
  stage([&](FitProblem& fp) { add_path_optimality(fp, fam, paths); });
  if (options.loss == FitLoss::TrajectoryMatching) {
    std::vector<double> windows = {1.0};
    if (options.time_windows) windows = {0.25, 0.5, 1.0};
    for (double window : windows) {
      stage([&](FitProblem& fp) { add_trajectory_matching(fp, fam, paths, window, options.max_step); });
    }
  }
  return out;
}

// The Jacobian's singular values, flat directions and standard errors at fit.theta (fp holds the
// fitted loss there). JᵀJ is decomposed in groups of parameters it does not couple: all of θ up to
// 4000 numbers; above, one group per time block of a piecewise family (a residual sees one block).
void flat_directions_and_errors(FitProblem& fp, const AttentionFamily& family,
                                const FitOptions& options, AttentionFit& fit) {
  const Eigen::Index P = family.parameter_count();
  std::vector<std::pair<Eigen::Index, Eigen::Index>> groups;
  if (P <= kDenseParameterLimit) {
    groups.push_back({0, P});
  } else if (family.time == TimeDependence::Piecewise && family.block_size() <= kDenseParameterLimit) {
    for (int b = 0; b < family.time_blocks(); ++b) groups.push_back({b * family.block_size(), family.block_size()});
  }
  if (groups.empty()) return;
  ceres::CRSMatrix crs;
  double cost = 0;
  fp.problem->Evaluate(ceres::Problem::EvaluateOptions(), &cost, nullptr, nullptr, &crs);
  std::vector<std::vector<int>> rows_of(groups.size());
  for (int r = 0; r < crs.num_rows; ++r) {
    if (crs.rows[r] == crs.rows[r + 1]) continue;
    const int first = crs.cols[crs.rows[r]];
    for (std::size_t g = 0; g < groups.size(); ++g)
      if (first >= groups[g].first && first < groups[g].first + groups[g].second) rows_of[g].push_back(r);
  }
  std::vector<Eigen::VectorXd> lambdas;
  std::vector<Eigen::MatrixXd> vectors;
  double largest = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto [offset, size] = groups[g];
    // JᵀJ of the group by dense row panels.
    Eigen::MatrixXd JtJ = Eigen::MatrixXd::Zero(size, size), panel;
    constexpr std::size_t kPanel = 512;
    for (std::size_t r0 = 0; r0 < rows_of[g].size(); r0 += kPanel) {
      const std::size_t count = std::min(kPanel, rows_of[g].size() - r0);
      panel.setZero(static_cast<Eigen::Index>(count), size);
      for (std::size_t r = 0; r < count; ++r) {
        const int row = rows_of[g][r0 + r];
        for (int a = crs.rows[row]; a < crs.rows[row + 1]; ++a) panel(r, crs.cols[a] - offset) = crs.values[a];
      }
      JtJ.selfadjointView<Eigen::Lower>().rankUpdate(panel.transpose());
    }
    JtJ = JtJ.selfadjointView<Eigen::Lower>();
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(JtJ);
    lambdas.push_back(eig.eigenvalues().cwiseMax(0.0));
    vectors.push_back(eig.eigenvectors());
    largest = std::max(largest, lambdas.back().maxCoeff());
  }
  // Singular values below null_tolerance × the largest are flat directions.
  const double cutoff = options.null_tolerance * std::sqrt(largest);
  std::vector<double> sv;
  std::vector<Eigen::VectorXd> flat_vectors;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (Eigen::Index k = 0; k < lambdas[g].size(); ++k) {
      sv.push_back(std::sqrt(lambdas[g](k)));
      if (std::sqrt(lambdas[g](k)) <= cutoff) {
        Eigen::VectorXd v = Eigen::VectorXd::Zero(P);
        v.segment(groups[g].first, groups[g].second) = vectors[g].col(k);
        flat_vectors.push_back(v);
      }
    }
  }
  std::sort(sv.begin(), sv.end(), std::greater<>());
  fit.singular_values = Eigen::Map<const Eigen::VectorXd>(sv.data(), static_cast<Eigen::Index>(sv.size()));
  fit.null_space.resize(P, static_cast<Eigen::Index>(flat_vectors.size()));
  for (std::size_t k = 0; k < flat_vectors.size(); ++k) fit.null_space.col(static_cast<Eigen::Index>(k)) = flat_vectors[k];
  const Eigen::Index flat = fit.null_space.cols();
  // Standard errors: σ²·diag((JᵀJ)⁺), the pseudo-inverse without the flat directions — what
  // ceres::Covariance's DENSE_SVD computes; called from here it aborts inside Eigen's BDCSVD
  // (Debian's libceres and this -march=native build instantiate Eigen differently), so the
  // eigen-decompositions above give it.
  if (options.standard_errors) {
    const double dof = double(fit.residuals) - double(P - flat);
    const double sigma2 = dof > 0 ? 2 * fit.cost / dof : std::numeric_limits<double>::quiet_NaN();
    fit.standard_errors.resize(P);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      Eigen::VectorXd inverse = Eigen::VectorXd::Zero(lambdas[g].size());
      for (Eigen::Index k = 0; k < inverse.size(); ++k)
        if (std::sqrt(lambdas[g](k)) > cutoff) inverse(k) = 1.0 / lambdas[g](k);
      // diag(Q Λ⁺ Qᵀ)_j = Σ_k Q_jk² / λ_k, without forming the matrix.
      fit.standard_errors.segment(groups[g].first, groups[g].second) =
          ((vectors[g].cwiseAbs2() * inverse) * sigma2).cwiseMax(0.0).cwiseSqrt();
    }
    // Along flat directions the data say nothing: no error bar.
    for (Eigen::Index k = 0; k < flat; ++k)
      for (Eigen::Index j = 0; j < P; ++j)
        if (std::abs(fit.null_space(j, k)) > 1e-6) fit.standard_errors(j) = std::numeric_limits<double>::quiet_NaN();
  }
}

}  // namespace

std::string to_string(FitLoss loss) {
  return loss == FitLoss::PathOptimality ? "path-optimality" : "trajectory-matching";
}
FitLoss parse_fit_loss(const std::string& name) {
  if (name == "path-optimality") return FitLoss::PathOptimality;
  if (name == "trajectory-matching") return FitLoss::TrajectoryMatching;
  throw InvalidInput("loss '" + name + "' (path-optimality, trajectory-matching)");
}
std::string to_string(FitOutcome outcome) {
  switch (outcome) {
    case FitOutcome::Converged: return "converged";
    case FitOutcome::NotConverged: return "not-converged";
    case FitOutcome::Unidentifiable: return "unidentifiable";
  }
  return "?";
}

AttentionFamily attention_family_for(const std::vector<Trajectory>& paths,
                                     const AttentionFamilyNames& names) {
  validate_observed_paths(paths);
  AttentionFamily family;
  family.d = paths[0].dimension();
  if (names.model != "sa" && names.model != "usa") throw InvalidInput("model must be sa or usa");
  family.normalization = names.model == "sa" ? AttentionNormalization::Softmax : AttentionNormalization::Unnormalized;
  family.heads = names.heads;
  family.score = parse_score_family(names.score);
  family.rank = names.rank;
  family.value = parse_value_family(names.value);
  family.time = parse_time_dependence(names.time);
  family.blocks = family.time == TimeDependence::Constant ? 1 : names.blocks;
  family.bias.mask = parse_attention_mask(names.mask);
  if (!(names.alibi >= 0) || !std::isfinite(names.alibi)) throw InvalidInput("alibi must be finite and >= 0");
  family.bias.alibi = names.alibi;
  family.t0 = std::numeric_limits<double>::infinity();
  family.t1 = -std::numeric_limits<double>::infinity();
  for (const Trajectory& p : paths) {
    family.t0 = std::min(family.t0, p.times.front());
    family.t1 = std::max(family.t1, p.times.back());
  }
  family.validate();
  return family;
}

void validate_observed_paths(const std::vector<Trajectory>& paths) {
  if (paths.empty()) throw InvalidInput("fit: no observed trajectory");
  const Eigen::Index d = paths[0].dimension();
  for (std::size_t p = 0; p < paths.size(); ++p) {
    const Trajectory& path = paths[p];
    const std::string name = "fit: trajectory " + std::to_string(p + 1);
    if (path.size() < 2) throw InvalidInput(name + " has " + std::to_string(path.size()) + " frame(s); at least 2 are needed");
    if (path.frames.size() != path.times.size()) throw InvalidInput(name + ": times and frames differ in number");
    if (path.dimension() != d) {
      throw InvalidInput(name + " has d = " + std::to_string(path.dimension()) +
                         " but trajectory 1 has d = " + std::to_string(d));
    }
    for (std::size_t k = 0; k < path.size(); ++k) {
      if (!std::isfinite(path.times[k])) throw InvalidInput(name + ": time " + std::to_string(k + 1) + " is not finite");
      if (k > 0 && !(path.times[k] > path.times[k - 1])) {
        throw InvalidInput(name + ": times must increase strictly (frame " + std::to_string(k + 1) + ")");
      }
      if (path.frames[k].cols() != path.frames[0].cols()) throw InvalidInput(name + ": frames have different token counts");
      validate_configuration(path.frames[k], 1e-6, name + " frame " + std::to_string(k + 1));
    }
  }
}

Eigen::VectorXd fit_residuals(const std::vector<Trajectory>& paths, const AttentionFamily& family,
                              const Eigen::VectorXd& theta, FitLoss loss, double max_step,
                              Eigen::MatrixXd* jacobian) {
  validate_observed_paths(paths);
  family.validate();
  if (family.d != paths[0].dimension()) throw InvalidInput("fit residuals: the family's d differs from the paths'");
  if (theta.size() != family.parameter_count()) throw InvalidInput("fit residuals: theta has the wrong size");
  FitProblem fp(family, theta);
  add_loss(fp, family, paths, loss, max_step);
  double cost = 0;
  std::vector<double> r;
  ceres::CRSMatrix crs;
  fp.problem->Evaluate(ceres::Problem::EvaluateOptions(), &cost, &r, nullptr, jacobian ? &crs : nullptr);
  if (jacobian != nullptr) {
    jacobian->setZero(crs.num_rows, crs.num_cols);
    for (int row = 0; row < crs.num_rows; ++row)
      for (int a = crs.rows[row]; a < crs.rows[row + 1]; ++a) (*jacobian)(row, crs.cols[a]) = crs.values[a];
  }
  return Eigen::Map<const Eigen::VectorXd>(r.data(), static_cast<Eigen::Index>(r.size()));
}

VelocityFit velocity_fit(const std::vector<Trajectory>& paths, const AttentionFamily& family,
                         const Eigen::VectorXd& theta) {
  VelocityFit out;
  double total = 0, residual = 0;
  for (const Trajectory& path : paths) {
    const std::vector<ObservedStep> steps = observed_steps(path);
    Eigen::VectorXd per_step(steps.size());
    for (std::size_t k = 0; k < steps.size(); ++k) {
      const FieldAtTime f = field_at_time(family, theta, steps[k].t_mid, steps[k].M, false);
      const double h = steps[k].root_h * steps[k].root_h;
      const double mismatch = (steps[k].V - f.F).squaredNorm();
      per_step(k) = std::sqrt(mismatch);
      residual += h * mismatch;
      total += h * steps[k].V.squaredNorm();
    }
    out.step_residuals.push_back(per_step);
  }
  out.cost = 0.5 * residual;
  out.r_squared = total > 0 ? 1 - residual / total : 0.0;
  return out;
}

std::vector<Trajectory> predict_paths(const std::vector<Trajectory>& paths,
                                      const AttentionFamily& family, const Eigen::VectorXd& theta,
                                      double max_step, std::size_t from) {
  std::vector<Trajectory> out;
  for (const Trajectory& path : paths) {
    if (from + 1 >= path.size()) throw InvalidInput("prediction: nothing after frame " + std::to_string(from + 1));
    const SensitiveFlow flow = rk4_flow(family, theta, path, from, path.size() - 1, max_step, false);
    Trajectory t;
    for (std::size_t k = 0; k < flow.frames.size(); ++k) t.push_back(path.times[from + k], flow.frames[k]);
    out.push_back(std::move(t));
  }
  return out;
}

double prediction_error(const std::vector<Trajectory>& paths, const AttentionFamily& family,
                        const Eigen::VectorXd& theta, double max_step, std::size_t from) {
  const std::vector<Trajectory> predicted = predict_paths(paths, family, theta, max_step, from);
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t p = 0; p < paths.size(); ++p) {
    for (std::size_t k = 1; k < predicted[p].size(); ++k) {
      const Eigen::MatrixXd& Z = predicted[p].frames[k];
      // A flow that blows up (huge fitted scores) predicts nothing: infinite error.
      if (!Z.allFinite() || Z.colwise().norm().minCoeff() < 1e-8) return std::numeric_limits<double>::infinity();
      const Eigen::MatrixXd Y = product::project(Z);
      const double dist = product::distance(Y, paths[p].frames[from + k]);
      sum += dist * dist / double(Y.cols());
      ++count;
    }
  }
  return std::sqrt(sum / double(count));
}

AttentionFit fit_attention(const std::vector<Trajectory>& paths, AttentionFamily family,
                           const FitOptions& options) {
  const auto start_time = std::chrono::steady_clock::now();
  validate_observed_paths(paths);
  family.d = paths[0].dimension();
  family.validate();
  if (options.max_iterations < 1) throw InvalidInput("fit: max_iterations must be at least 1");
  if (options.starts < 1) throw InvalidInput("fit: starts must be at least 1");
  if (!(options.max_step > 0)) throw InvalidInput("fit: max_step must be positive");
  const Eigen::Index P = family.parameter_count();
  // Each velocity is tangent: (d − 1) numbers per token and step are data.
  Eigen::Index informative = 0;
  for (const Trajectory& p : paths) informative += Eigen::Index(p.size() - 1) * p.frames[0].cols() * (family.d - 1);
  if (informative < P) {
    throw InvalidInput("fit: the family has " + std::to_string(P) + " parameters but the paths hold only " +
                       std::to_string(informative) + " velocity numbers: it cannot be determined");
  }
  if (options.initial && options.initial->size() != P) {
    throw InvalidInput("fit: the initial parameters have " + std::to_string(options.initial->size()) +
                       " entries, the family " + std::to_string(P));
  }

  AttentionFit fit;
  fit.family = family;
  fit.loss = options.loss;
  fit.gauge_dimension = family.gauge_dimension();
  std::vector<Eigen::VectorXd> starts;
  if (options.initial) {
    starts.push_back(*options.initial);
  } else {
    // Identical heads (and Q = K) are symmetric points where the gradient cannot tell the heads
    // (the rows of Q, K) apart: the identity start is nudged off them.
    const double jitter0 = family.heads > 1 ? 0.05 : family.score == ScoreFamily::LowRank ? 1e-3 : 0.0;
    starts.push_back(family.identity_parameters(1.0, jitter0, options.seed));
    for (int s = 1; s < options.starts; ++s)
      starts.push_back(family.identity_parameters(1.0, options.start_jitter, options.seed + s));
  }
  SolveOutcome best;
  for (const Eigen::VectorXd& start : starts) {
    SolveOutcome o = fit_from(paths, family, options, start);
    fit.start_costs.push_back(o.cost);
    fit.iterations += o.iterations;
    if (o.cost < best.cost || !std::isfinite(best.cost)) best = std::move(o);
  }
  fit.theta = best.theta;
  fit.cost = best.cost;
  fit.status = best.message;
  // The low-rank gauge fixed: each block's (Q, K) replaced by the balanced factors of its A = QᵀK
  // (Q = √Σ Uᵀ, K = √Σ Vᵀ from the SVD A = UΣVᵀ), which leaves the flow and the loss unchanged.
  if (family.score == ScoreFamily::LowRank && family.time != TimeDependence::Smooth) {
    AttentionFamily one_block = family;
    one_block.time = TimeDependence::Constant;
    one_block.blocks = 1;
    const std::vector<std::vector<AttentionHead>> blocks = family.block_heads(fit.theta);
    for (int b = 0; b < family.time_blocks(); ++b) {
      fit.theta.segment(b * family.block_size(), family.block_size()) = one_block.parameters_of(blocks[b]);
    }
  }

  // The final problem once more: Jacobian, null space, covariance.
  FitProblem fp(family, fit.theta);
  add_loss(fp, family, paths, options.loss, options.max_step);
  fit.residuals = fp.problem->NumResiduals();
  flat_directions_and_errors(fp, family, options, fit);
  const VelocityFit v = velocity_fit(paths, family, fit.theta);
  fit.path_cost = v.cost;
  fit.r_squared = v.r_squared;
  fit.step_residuals = v.step_residuals;
  const Eigen::Index flat = fit.null_space.cols();
  if (!best.converged) {
    fit.outcome = FitOutcome::NotConverged;
  } else if (fit.singular_values.size() > 0 && flat > fit.gauge_dimension) {
    fit.outcome = FitOutcome::Unidentifiable;
    fit.status = "the data determine only " + std::to_string(P - flat) + " of " + std::to_string(P) +
                 " parameters (" + std::to_string(flat - fit.gauge_dimension) +
                 " flat directions beyond the family's gauge of " + std::to_string(fit.gauge_dimension) + ")";
  } else {
    fit.outcome = FitOutcome::Converged;
  }
  fit.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return fit;
}

}  // namespace varsphere
