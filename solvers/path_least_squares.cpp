#include <varsphere/solvers/path_least_squares.hpp>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <sstream>
#include <varsphere/core/error.hpp>
#include <varsphere/manifolds/sphere.hpp>
#include <varsphere/solvers/block_tridiagonal_system.hpp>

namespace varsphere {

std::string to_string(PathSolveEnd end) {
  switch (end) {
    case PathSolveEnd::Converged:
      return "converged";
    case PathSolveEnd::IterationLimit:
      return "iteration-limit";
    case PathSolveEnd::TimeLimit:
      return "time-limit";
    case PathSolveEnd::Stopped:
      return "stopped";
    case PathSolveEnd::Failed:
      return "failed";
  }
  return "?";
}

namespace {

/// T = J · blockdiag(B(x_1), …, B(x_n)): ambient Jacobian columns (i·d + c) to the orthonormal
/// tangent coordinates of each token (i·(d−1) + c).
void to_tangent(const Eigen::MatrixXd& J, const Eigen::MatrixXd& X, Eigen::MatrixXd& T) {
  const Eigen::Index d = X.rows(), n = X.cols();
  T.resize(J.rows(), n * (d - 1));
  for (Eigen::Index i = 0; i < n; ++i) {
    T.middleCols(i * (d - 1), d - 1).noalias() =
        J.middleCols(i * d, d) * sphere::tangent_basis(X.col(i));
  }
}

/// Runs body(k) for the steps k = first, first + 2, … < K on `threads` threads; the first
/// exception (by step index) is rethrown after all have run.
template <class Body>
void for_steps(int first, int K, int threads, const Body& body) {
  std::vector<std::exception_ptr> errors(K);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int k = first; k < K; k += 2) {
    try {
      body(k);
    } catch (...) {
      errors[k] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

struct PathLeastSquares::Linearization {
  BlockTridiagonalSystem system;
  Eigen::VectorXd gradient;
  double cost = 0;
};

// One per thread, kept across linearizations: the step Jacobians are large (m × nd), and
// allocating them afresh for every step costs page faults comparable to the products.
struct PathLeastSquares::Workspace {
  Eigen::VectorXd s;
  Eigen::MatrixXd Ja, Jb, Ta, Tb;
  FactoredStepJacobian F;
  Eigen::MatrixXd G, Ya, Yb, SEa, SEb, Za, Zb;
};

PathLeastSquares::PathLeastSquares(std::vector<Eigen::MatrixXd>& path, Eigen::Index residual_size,
                                   PathStepResidual step, int threads,
                                   PathFactoredStepResidual factored)
    : path_(path),
      m_(residual_size),
      step_(std::move(step)),
      factored_(std::move(factored)),
      threads_(std::max(threads, 1)),
      workspaces_(std::make_unique<Workspace[]>(threads_)) {
  if (path_.size() < 2) throw InvalidInput("PathLeastSquares: a path needs at least two nodes");
  if (m_ < 1) throw InvalidInput("PathLeastSquares: the step residual must have entries");
}

double PathLeastSquares::bytes(int K, Eigen::Index d, Eigen::Index n, Eigen::Index residual_size,
                               int threads) {
  const double nd = static_cast<double>(n) * static_cast<double>(d);
  const double N = static_cast<double>(n) * static_cast<double>(d - 1);
  // Dense step Jacobians (4 m × nd) or the factored ones (S, SᵀS and four nd × N products).
  const double per_thread = 8.0 * (4.0 * static_cast<double>(residual_size) * nd + nd * nd + 4.0 * nd * N);
  return (K > 1 ? BlockTridiagonalSystem::bytes(K - 1, n * (d - 1)) : 0.0) +
         8.0 * 4.0 * (K + 1) * nd + 8.0 * 3.0 * K * N + std::max(threads, 1) * per_thread;
}

void PathLeastSquares::add_factored_step(int k, Workspace& w, Linearization& lin) const {
  // T = S·P + E' + Z' per side in tangent coordinates (P = M·B block-diagonal, E' = E·B token
  // blocks, Z' = Z·B dense rows); with G = SᵀS and Y = Sᵀ T = G·P + SᵀE':
  //   T_aᵀT_b = P_aᵀ Y_b + (SᵀE'_a)ᵀ P_b + E'_aᵀE'_b + Z'_aᵀZ'_b,   T_aᵀs = P_aᵀ Sᵀs + E'_aᵀs + Z'_aᵀs.
  const int K = static_cast<int>(path_.size()) - 1;
  const Eigen::Index d = path_[0].rows(), n = path_[0].cols(), t = d - 1, N = n * t, nd = n * d;
  const bool free_a = k > 0, free_b = k + 1 < K;
  const FactoredStepJacobian& F = w.F;
  const Eigen::VectorXd& s = w.s;
  std::vector<Eigen::MatrixXd> Pa(n), Pb(n), Ea(n), Eb(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (free_a) {
      const Eigen::MatrixXd B = sphere::tangent_basis(path_[k].col(i));
      Pa[i] = F.Ma[i] * B;
      Ea[i] = F.Ea[i] * B;
    }
    if (free_b) {
      const Eigen::MatrixXd B = sphere::tangent_basis(path_[k + 1].col(i));
      Pb[i] = F.Mb[i] * B;
      Eb[i] = F.Eb[i] * B;
    }
  }
  w.G.setZero(nd, nd);
  w.G.selfadjointView<Eigen::Lower>().rankUpdate(F.S.transpose());
  w.G.triangularView<Eigen::StrictlyUpper>() = w.G.transpose();
  const Eigen::VectorXd Ss = F.S.transpose() * s.head(F.S.rows());  // rows below S are zero in S
  auto side = [&](const std::vector<Eigen::MatrixXd>& P, const std::vector<Eigen::MatrixXd>& E,
                  const Eigen::MatrixXd& Z, Eigen::MatrixXd& SE, Eigen::MatrixXd& Y,
                  Eigen::MatrixXd& Zt, const Eigen::MatrixXd& X) {
    SE.setZero(nd, N);
    Y.resize(nd, N);
    for (Eigen::Index j = 0; j < n; ++j) {
      if (F.local_rows[j] > 0) {
        SE.middleCols(j * t, t).noalias() =
            F.S.middleRows(F.local_row[j], F.local_rows[j]).transpose() * E[j];
      }
      Y.middleCols(j * t, t).noalias() = w.G.middleCols(j * d, d) * P[j];
    }
    Y += SE;
    to_tangent(Z, X, Zt);
  };
  if (free_a) side(Pa, Ea, F.Za, w.SEa, w.Ya, w.Za, path_[k]);
  if (free_b) side(Pb, Eb, F.Zb, w.SEb, w.Yb, w.Zb, path_[k + 1]);
  // P_lᵀ Y_r + (SE_l)ᵀ P_r + E'_lᵀE'_r + Z'_lᵀZ'_r into `out` (N × N).
  auto add_block = [&](const std::vector<Eigen::MatrixXd>& Pl, const std::vector<Eigen::MatrixXd>& El,
                       const Eigen::MatrixXd& SEl, const Eigen::MatrixXd& Zl,
                       const std::vector<Eigen::MatrixXd>& Pr, const std::vector<Eigen::MatrixXd>& Er,
                       const Eigen::MatrixXd& Yr, const Eigen::MatrixXd& Zr, Eigen::MatrixXd& out) {
    for (Eigen::Index i = 0; i < n; ++i) {
      out.middleRows(i * t, t).noalias() += Pl[i].transpose() * Yr.middleRows(i * d, d);
      out.middleCols(i * t, t).noalias() += SEl.middleRows(i * d, d).transpose() * Pr[i];
      if (F.local_rows[i] > 0) out.block(i * t, i * t, t, t).noalias() += El[i].transpose() * Er[i];
    }
    if (Zl.rows() > 0) out.noalias() += Zl.transpose() * Zr;
  };
  auto gradient = [&](const std::vector<Eigen::MatrixXd>& P, const std::vector<Eigen::MatrixXd>& E,
                      const Eigen::MatrixXd& Zt, Eigen::Ref<Eigen::VectorXd> g) {
    for (Eigen::Index i = 0; i < n; ++i) {
      g.segment(i * t, t).noalias() += P[i].transpose() * Ss.segment(i * d, d);
      if (F.local_rows[i] > 0) {
        g.segment(i * t, t).noalias() +=
            E[i].transpose() * s.segment(F.local_row[i], F.local_rows[i]);
      }
    }
    for (std::size_t r = 0; r < F.dense_rows.size(); ++r) {
      g.noalias() += Zt.row(static_cast<Eigen::Index>(r)).transpose() * s(F.dense_rows[r]);
    }
  };
  if (free_a) {
    add_block(Pa, Ea, w.SEa, w.Za, Pa, Ea, w.Ya, w.Za, lin.system.diagonal(k - 1));
    gradient(Pa, Ea, w.Za, lin.gradient.segment((k - 1) * N, N));
  }
  if (free_b) {
    add_block(Pb, Eb, w.SEb, w.Zb, Pb, Eb, w.Yb, w.Zb, lin.system.diagonal(k));
    gradient(Pb, Eb, w.Zb, lin.gradient.segment(k * N, N));
  }
  if (free_a && free_b) {
    add_block(Pa, Ea, w.SEa, w.Za, Pb, Eb, w.Yb, w.Zb, lin.system.coupling(k - 1));
  }
}

bool PathLeastSquares::linearize(Linearization& lin) {
  const int K = static_cast<int>(path_.size()) - 1;
  const Eigen::Index d = path_[0].rows(), n = path_[0].cols(), N = n * (d - 1), nd = n * d;
  lin.system.set_zero();
  lin.gradient.setZero(static_cast<Eigen::Index>(K - 1) * N);
  std::vector<double> cost(K, 0.0);
  std::vector<char> ok(K, 1);
  // Even steps, then odd steps: within a pass no two steps share a node, so every block and
  // gradient segment is written by one step at a time and summed in the same order always.
  for (int parity = 0; parity < 2; ++parity) {
    for_steps(parity, K, threads_, [&](int k) {
      Workspace& w = workspaces_[omp_get_thread_num()];
      if (factored_) {
        const FactoredStep how = factored_(k, path_[k], path_[k + 1], w.s, w.F);
        if (how == FactoredStep::Undefined || (how == FactoredStep::Ok && !w.s.allFinite())) {
          ok[k] = 0;
          return;
        }
        if (how == FactoredStep::Ok) {
          if (w.s.size() != m_ || w.F.S.rows() > m_ || w.F.S.cols() != nd) {
            throw Error("PathLeastSquares: a factored step Jacobian has the wrong shape");
          }
          cost[k] = 0.5 * w.s.squaredNorm();
          add_factored_step(k, w, lin);
          return;
        }
      }
      auto& s = w.s;
      auto& Ja = w.Ja;
      auto& Jb = w.Jb;
      auto& Ta = w.Ta;
      auto& Tb = w.Tb;
      if (!step_(k, path_[k], path_[k + 1], s, &Ja, &Jb) || !s.allFinite() || !Ja.allFinite() ||
          !Jb.allFinite()) {
        ok[k] = 0;
        return;
      }
      if (s.size() != m_ || Ja.rows() != m_ || Jb.rows() != m_ || Ja.cols() != nd ||
          Jb.cols() != nd) {
        throw Error("PathLeastSquares: a step residual or Jacobian has the wrong shape");
      }
      cost[k] = 0.5 * s.squaredNorm();
      const bool free_a = k > 0, free_b = k + 1 < K;
      if (free_a) {
        to_tangent(Ja, path_[k], Ta);
        lin.system.diagonal(k - 1).selfadjointView<Eigen::Lower>().rankUpdate(Ta.transpose());
        lin.gradient.segment((k - 1) * N, N).noalias() += Ta.transpose() * s;
      }
      if (free_b) {
        to_tangent(Jb, path_[k + 1], Tb);
        lin.system.diagonal(k).selfadjointView<Eigen::Lower>().rankUpdate(Tb.transpose());
        lin.gradient.segment(k * N, N).noalias() += Tb.transpose() * s;
      }
      if (free_a && free_b) lin.system.coupling(k - 1).noalias() += Ta.transpose() * Tb;
    });
  }
  lin.cost = 0;
  for (int k = 0; k < K; ++k) lin.cost += cost[k];
  return std::all_of(ok.begin(), ok.end(), [](char c) { return c != 0; }) &&
         std::isfinite(lin.cost) && lin.gradient.allFinite();
}

bool PathLeastSquares::cost_at(const std::vector<Eigen::MatrixXd>& path, double& total) const {
  const int K = static_cast<int>(path.size()) - 1;
  std::vector<double> cost(K, 0.0);
  std::vector<char> ok(K, 1);
  for (int parity = 0; parity < 2; ++parity) {
    for_steps(parity, K, threads_, [&](int k) {
      Eigen::VectorXd s;
      if (!step_(k, path[k], path[k + 1], s, nullptr, nullptr) || s.size() != m_ ||
          !s.allFinite()) {
        ok[k] = 0;
        return;
      }
      cost[k] = 0.5 * s.squaredNorm();
    });
  }
  total = 0;
  for (int k = 0; k < K; ++k) total += cost[k];
  return std::all_of(ok.begin(), ok.end(), [](char c) { return c != 0; }) && std::isfinite(total);
}

std::vector<Eigen::MatrixXd> PathLeastSquares::moved(const Eigen::VectorXd& delta) const {
  const int K = static_cast<int>(path_.size()) - 1;
  const Eigen::Index d = path_[0].rows(), n = path_[0].cols(), N = n * (d - 1);
  std::vector<Eigen::MatrixXd> out = path_;
  for (int k = 1; k < K; ++k) {
    for (Eigen::Index i = 0; i < n; ++i) {
      const Eigen::VectorXd x = path_[k].col(i);
      const Eigen::VectorXd v =
          sphere::tangent_basis(x) * delta.segment((k - 1) * N + i * (d - 1), d - 1);
      sphere::exp_into(x, v, out[k].col(i));
    }
  }
  return out;
}

bool PathLeastSquares::gauss_newton_step() {
  const int K = static_cast<int>(path_.size()) - 1;
  if (K < 2) return false;
  const Eigen::Index d = path_[0].rows(), n = path_[0].cols();
  Linearization lin{BlockTridiagonalSystem(K - 1, n * (d - 1)), {}, 0};
  if (!linearize(lin) || !lin.system.factor(0.0, threads_)) return false;
  const Eigen::VectorXd delta = -lin.system.solve(lin.gradient);
  if (!delta.allFinite()) return false;
  path_ = moved(delta);
  return true;
}

PathSolveSummary PathLeastSquares::minimize(const PathLeastSquaresOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const int K = static_cast<int>(path_.size()) - 1;
  PathSolveSummary summary;
  if (K < 2) {
    summary.end = PathSolveEnd::Converged;
    summary.message = "no interior nodes";
    return summary;
  }
  const Eigen::Index d = path_[0].rows(), n = path_[0].cols();
  Linearization lin{BlockTridiagonalSystem(K - 1, n * (d - 1)), {}, 0};
  if (!linearize(lin)) {
    summary.message = "the residuals are undefined on the initial path";
    return summary;
  }
  summary.initial_cost = summary.final_cost = lin.cost;
  // |x| of the unknowns: (K − 1)·n unit vectors.
  const double path_norm = std::sqrt(static_cast<double>(K - 1) * static_cast<double>(n));
  const FactorPrecision precision =
      options.single_precision_factor && n * (d - 1) >= 256 ? FactorPrecision::Single
                                                             : FactorPrecision::Double;
  double lambda = 1.0 / options.initial_trust_region_radius;
  double nu = 2.0;
  auto finish = [&](PathSolveEnd end, const std::string& why) {
    summary.end = end;
    summary.final_cost = lin.cost;
    std::ostringstream message;
    message << why << " (cost " << summary.initial_cost << " -> " << lin.cost << ", "
            << summary.iterations << " iterations)";
    summary.message = message.str();
    return summary;
  };
  while (true) {
    const double gradient_max = lin.gradient.lpNorm<Eigen::Infinity>();
    if (gradient_max <= options.gradient_tolerance) {
      return finish(PathSolveEnd::Converged, "gradient tolerance reached");
    }
    if (summary.iterations >= options.max_iterations) {
      return finish(PathSolveEnd::IterationLimit, "iteration limit reached");
    }
    if (options.deadline && Clock::now() >= *options.deadline) {
      return finish(PathSolveEnd::TimeLimit, "time budget spent");
    }
    ++summary.iterations;
    bool accepted = false, function_converged = false;
    double rho = 0, new_cost = 0;
    std::vector<Eigen::MatrixXd> trial;
    if (lin.system.factor(lambda, threads_, 1e-6, precision)) {
      const Eigen::VectorXd delta = -lin.system.solve(lin.gradient);
      if (delta.allFinite()) {
        if (delta.norm() <= options.parameter_tolerance * (path_norm + options.parameter_tolerance)) {
          return finish(PathSolveEnd::Converged, "parameter tolerance reached");
        }
        trial = moved(delta);
        if (cost_at(trial, new_cost)) {
          const double model_decrease =
              -(lin.gradient.dot(delta) + 0.5 * delta.dot(lin.system.multiply(delta)));
          const double actual = lin.cost - new_cost;
          rho = actual / model_decrease;
          accepted = model_decrease > 0 && rho > 1e-3;
          function_converged = accepted && std::abs(actual) <= options.function_tolerance * lin.cost;
        }
      }
    }
    if (accepted) {
      path_ = std::move(trial);
      lambda *= std::max(1.0 / 3.0, 1.0 - std::pow(2.0 * rho - 1.0, 3));
      lambda = std::max(lambda, 1e-16);
      nu = 2.0;
      if (function_converged) {
        lin.cost = new_cost;
        return finish(PathSolveEnd::Converged, "function tolerance reached");
      }
      if (!linearize(lin)) {
        return finish(PathSolveEnd::Failed, "the Jacobians are undefined on an accepted path");
      }
    } else {
      lambda *= nu;
      nu *= 2.0;
      if (lambda > 1e32) return finish(PathSolveEnd::Converged, "damping limit reached");
    }
    if (options.on_iteration) {
      PathIteration it;
      it.iteration = summary.iterations;
      it.cost = lin.cost;
      it.gradient_max = lin.gradient.lpNorm<Eigen::Infinity>();
      it.step_accepted = accepted;
      it.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      if (!options.on_iteration(it)) return finish(PathSolveEnd::Stopped, "stopped");
    }
  }
}

PathLeastSquares::~PathLeastSquares() = default;

}  // namespace varsphere
