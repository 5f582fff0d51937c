#include <varsphere/solvers/el_bvp.hpp>

#include <ceres/dynamic_numeric_diff_cost_function.h>
#include <ceres/problem.h>
#include <ceres/solver.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <varsphere/core/error.hpp>
#include <varsphere/core/memory_budget.hpp>
#include <varsphere/manifolds/ceres_sphere_manifold.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/discrete_action.hpp>
#include <varsphere/solvers/path_least_squares.hpp>

namespace varsphere {

std::string to_string(BvpMethod method) {
  switch (method) {
    case BvpMethod::Automatic:
      return "automatic";
    case BvpMethod::LeastSquares:
      return "least-squares";
    case BvpMethod::DelEquations:
      return "del-equations";
  }
  return "?";
}

std::string to_string(BvpOutcome outcome) {
  switch (outcome) {
    case BvpOutcome::Certified:
      return "certified";
    case BvpOutcome::NotConverged:
      return "not-converged";
    case BvpOutcome::DelResidualAboveTolerance:
      return "del-residual-above-tolerance";
    case BvpOutcome::SolverFailed:
      return "solver-failed";
  }
  return "?";
}

std::string method_label(const BvpResult& result) {
  return to_string(result.method) +
         (result.null_lagrangian_split ? " (null-Lagrangian split)" : "");
}

namespace {

/// Where token i of node k lives: a Ceres parameter block (interior) or a fixed end.
struct NodeLayout {
  Eigen::Index d, n;
  int K;
  std::vector<double>* interior;  // (K−1)·n·d values, node-major then token-major
  const Configuration* start;
  const Configuration* end;
  double* block(int k, Eigen::Index i) const { return interior->data() + ((k - 1) * n + i) * d; }
  bool is_free(int k) const { return k > 0 && k < K; }
  const double* token(int k, Eigen::Index i) const {
    if (k == 0) return start->data() + i * d;
    if (k == K) return end->data() + i * d;
    return block(k, i);
  }
};

/// Gathers nodes k0..k0+count−1 as d×n matrices from Ceres' parameter pointers (free nodes, in
/// order) and the fixed ends.
std::vector<Eigen::MatrixXd> gather_nodes(const NodeLayout& L, int k0, int count,
                                          double const* const* params) {
  std::vector<Eigen::MatrixXd> nodes;
  int next = 0;
  for (int k = k0; k < k0 + count; ++k) {
    Eigen::MatrixXd X(L.d, L.n);
    for (Eigen::Index i = 0; i < L.n; ++i) {
      const double* source = L.is_free(k) ? params[next++] : L.token(k, i);
      X.col(i) = Eigen::Map<const Eigen::VectorXd>(source, L.d);
    }
    nodes.push_back(std::move(X));
  }
  return nodes;
}

/// The projected DEL residual at interior node k, (P ∇_{X_k} S_d)/h, for Ceres' numeric
/// differentiation.
struct DelResidualFunctor {
  const StepModel* model;
  NodeLayout layout;
  int k;  // interior node
  double h;
  bool operator()(double const* const* params, double* residuals) const {
    const auto nodes = gather_nodes(layout, k - 1, 3, params);
    try {
      const auto [incoming, outgoing] =
          node_action_gradients(*model, (k - 1) * h, h, nodes[0], nodes[1], nodes[2]);
      Eigen::Map<Eigen::MatrixXd>(residuals, layout.d, layout.n) =
          product::tangent_project(nodes[1], incoming + outgoing) / h;
    } catch (const CutLocusError&) {
      return false;
    }
    return true;
  }
};

void add_blocks(const NodeLayout& L, int k0, int count, std::vector<double*>& blocks) {
  for (int k = k0; k < k0 + count; ++k) {
    if (!L.is_free(k)) continue;
    for (Eigen::Index i = 0; i < L.n; ++i) blocks.push_back(L.block(k, i));
  }
}

}  // namespace

BvpResult solve_bvp(const StepModel& model, const Configuration& X_start,
                    const Configuration& X_end, double T, int K, const BvpOptions& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  validate_configuration(X_start, kUnitTolerance, "BVP start configuration");
  validate_configuration(X_end, kUnitTolerance, "BVP end configuration");
  if (X_start.rows() != X_end.rows() || X_start.cols() != X_end.cols()) {
    throw InvalidInput("BVP: start and end configurations have different shapes");
  }
  if (!(T > 0) || !std::isfinite(T)) throw InvalidInput("BVP: T must be positive and finite");
  if (K < 1) throw InvalidInput("BVP: K must be at least 1");
  const Eigen::Index d = X_start.rows(), n = X_start.cols();
  const double h = T / K;

  const bool least_squares = model.least_squares() && options.method != BvpMethod::DelEquations;
  if (options.method == BvpMethod::LeastSquares && !least_squares) {
    throw InvalidInput("BVP: this Lagrangian is not a sum of squares; use the DEL equations");
  }

  // Memory, before anything is allocated. Least squares: the block-tridiagonal normal equations
  // with their factor (three N×N blocks per node, N = n(d−1)) and each thread's step Jacobians.
  // DEL equations: each residual block holds a dense Jacobian (nd × 3nd) and couples 3n tokens
  // in Ceres' sparse normal equations ((3n)² blocks of d×d); the factor is of the same order.
  {
    const double nd = static_cast<double>(n) * static_cast<double>(d);
    const int threads = std::max(options.threads, 1);
    const double bytes =
        least_squares
            ? PathLeastSquares::bytes(K, d, n,
                                      std::max(model.residual_size(d, n),
                                               model.splits() ? model.split_residual_size(d, n) + 1
                                                              : Eigen::Index(0)),
                                      threads)
            : 8.0 * K * (3 * nd * nd + 9 * nd * nd + 6 * nd);
    std::ostringstream what;
    what << "BVP with K = " << K << " steps of n = " << n << " tokens in d = " << d << " ("
         << std::setprecision(3) << (K - 1) * nd << " unknowns)";
    require_memory(bytes, what.str(), "lower --K or the number of tokens");
  }

  // Initial path.
  std::vector<double> interior(std::size_t(K - 1) * n * d);
  const NodeLayout layout{d, n, K, &interior, &X_start, &X_end};
  for (int k = 1; k < K; ++k) {
    Eigen::MatrixXd X;
    if (options.initial_path) {
      const Trajectory& init = *options.initial_path;
      if (init.size() != std::size_t(K + 1) || init.dimension() != d || init.tokens() != n) {
        throw InvalidInput("BVP: the initial path must have K+1 frames of the endpoints' shape");
      }
      X = normalize_columns(init.frames[k]);
    } else {
      try {
        X = product::geodesic(X_start, X_end, double(k) / K);
      } catch (const CutLocusError& e) {
        throw CutLocusError(
            std::string("BVP: antipodal endpoints (") + e.what() +
            "): the minimizing geodesic is not unique, so neither is the geodesic initial path; "
            "give an initial path");
      }
    }
    Eigen::Map<Eigen::MatrixXd>(layout.block(k, 0), d, n) = X;
  }

  auto current_path = [&] {
    Trajectory path;
    for (int k = 0; k <= K; ++k) {
      path.push_back(
          k == K ? T : k * h,
          k == 0   ? X_start
          : k == K ? X_end
                   : Eigen::MatrixXd(Eigen::Map<const Eigen::MatrixXd>(layout.block(k, 0), d, n)));
    }
    return path;
  };

  BvpResult result;
  result.method = least_squares ? BvpMethod::LeastSquares : BvpMethod::DelEquations;
  auto below_tolerance = [&](const DelResidual& r) {
    return r.max <= options.del_tolerance * std::max(1.0, r.scale);
  };
  std::optional<DelResidual> measured;  // DEL residual of the current path, when already known
  bool failed = false;                  // the last solve failed (residuals undefined, ...)
  bool interrupted = false;             // on_iteration asked to stop
  if (K > 1) {
    ceres::Problem::Options problem_options;
    problem_options.manifold_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
    CeresSphereManifold sphere(static_cast<int>(d));

    // The null-Lagrangian split (split_step.hpp): its offset C must exceed every defect −c_k
    // the solve meets; ten times the largest on the initial path leaves room, and steps that
    // violate it are rejected by the trust region.
    bool split = least_squares && model.splits() && options.null_lagrangian_split &&
                 model.closed_form_jacobians();
    double offset = 0.0;
    if (split) {
      const Trajectory initial = split ? current_path() : Trajectory{};
      double largest = 0.0;
      for (int k = 0; split && k < K; ++k) {
        double defect = 0.0;
        split =
            model.split_step_defect(k * h, h, initial.frames[k], initial.frames[k + 1], defect) &&
            std::isfinite(defect);
        largest = std::max(largest, std::abs(defect));
      }
      const double gain = model.split_potential(X_end) - model.split_potential(X_start);
      offset = 10.0 * largest + h * h * h * (1.0 + std::abs(gain));
    }

    using Clock = std::chrono::steady_clock;
    std::optional<Clock::time_point> deadline;
    if (options.max_seconds > 0) {
      deadline = wall_start + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(options.max_seconds));
    }
    // Progress and Ctrl-C: the caller sees every iteration; the count runs on across attempts.
    auto report = [&](int iteration, double cost, double del_estimate) {
      if (!options.on_iteration) return true;
      BvpIteration it;
      it.iteration = result.iterations + iteration;
      it.cost = cost;
      it.del_estimate = del_estimate;
      it.seconds = std::chrono::duration<double>(Clock::now() - wall_start).count();
      const bool go_on = options.on_iteration(it);
      if (!go_on) interrupted = true;
      return go_on;
    };

    // Least squares: Levenberg–Marquardt on node blocks from the current path, then Gauss–Newton
    // polishing; true if it converged.
    auto attempt_least_squares = [&](bool use_split) {
      const Eigen::Index m = use_split ? model.split_residual_size(d, n) + 1
                                       : model.residual_size(d, n);
      std::vector<Eigen::MatrixXd> nodes = current_path().frames;
      PathLeastSquares solver(
          nodes, m,
          [&model, h, offset, use_split](int k, const Eigen::MatrixXd& Xa,
                                         const Eigen::MatrixXd& Xb, Eigen::VectorXd& r,
                                         Eigen::MatrixXd* Ja, Eigen::MatrixXd* Jb) {
            return use_split ? model.split_step_residuals(k * h, h, offset, Xa, Xb, r, Ja, Jb)
                             : model.step_residuals(k * h, h, Xa, Xb, r, Ja, Jb);
          },
          options.threads,
          [&model, h, offset, use_split](int k, const Eigen::MatrixXd& Xa,
                                         const Eigen::MatrixXd& Xb, Eigen::VectorXd& r,
                                         FactoredStepJacobian& J) {
            return use_split
                       ? model.factored_split_step_residuals(k * h, h, offset, Xa, Xb, r, J)
                       : model.factored_step_residuals(k * h, h, Xa, Xb, r, J);
          });
      auto store = [&] {
        for (int k = 1; k < K; ++k) Eigen::Map<Eigen::MatrixXd>(layout.block(k, 0), d, n) = nodes[k];
      };
      PathLeastSquaresOptions lm;
      lm.max_iterations = options.max_iterations;
      lm.deadline = deadline;
      lm.initial_trust_region_radius = options.initial_trust_region_radius;
      lm.function_tolerance = options.function_tolerance;
      // The cost is the discrete action (up to a constant), so its gradient per token is h × the
      // DEL residual in an orthonormal tangent basis (d − 1 coordinates):
      // |DEL_i| ≤ sqrt(d − 1)·max|g|/h. Stopping there (scale taken as 1, the conservative
      // choice) spares iterations that only polish rounding.
      lm.gradient_tolerance =
          std::max(options.gradient_tolerance,
                   options.del_tolerance * h / std::sqrt(static_cast<double>(d - 1)));
      lm.parameter_tolerance = options.parameter_tolerance;
      lm.threads = options.threads;
      lm.single_precision_factor = options.single_precision_factor;
      lm.on_iteration = [&](const PathIteration& it) {
        if (options.verbose) {
          std::fprintf(stderr, "%4d  cost %.12e  |g| %.3e  %s  %.2f s\n", it.iteration, it.cost,
                       it.gradient_max, it.step_accepted ? "accepted" : "rejected", it.seconds);
        }
        return report(it.iteration, it.cost, it.gradient_max / h);
      };
      const PathSolveSummary summary = solver.minimize(lm);
      store();
      result.iterations += summary.iterations;
      const bool converged = summary.end == PathSolveEnd::Converged;
      result.status = (use_split ? "null-Lagrangian split: " : "") + summary.message;
      failed = summary.end == PathSolveEnd::Failed;
      measured.reset();
      if (converged && options.polish_steps > 0) measured = del_residual(model, current_path(), options.threads);
      if (measured && !below_tolerance(*measured)) {
        int kept = 0;
        for (; kept < options.polish_steps; ++kept) {
          const std::vector<Eigen::MatrixXd> saved = nodes;
          if (!solver.gauss_newton_step()) break;
          store();
          const DelResidual next = del_residual(model, current_path(), options.threads);
          if (!(next.max < measured->max)) {
            nodes = saved;
            store();
            break;
          }
          measured = next;
          if (below_tolerance(next)) {
            ++kept;
            break;
          }
        }
        result.iterations += kept;
        if (kept > 0) {
          result.status += "; " + std::to_string(kept) + " Gauss-Newton polishing steps";
        }
      }
      return converged;
    };

    // DEL equations: Levenberg–Marquardt in Ceres on the DEL residuals; true if Ceres converged.
    auto attempt_del_equations = [&] {
      ceres::Problem problem(problem_options);
      std::vector<double*> blocks;
      for (int k = 1; k < K; ++k) {
        auto* cost = new ceres::DynamicNumericDiffCostFunction<DelResidualFunctor, ceres::CENTRAL>(
            new DelResidualFunctor{&model, layout, k, h});
        blocks.clear();
        add_blocks(layout, k - 1, 3, blocks);
        for (std::size_t b = 0; b < blocks.size(); ++b) cost->AddParameterBlock(int(d));
        cost->SetNumResiduals(int(n * d));
        problem.AddResidualBlock(cost, nullptr, blocks);
      }
      for (int k = 1; k < K; ++k)
        for (Eigen::Index i = 0; i < n; ++i) problem.SetManifold(layout.block(k, i), &sphere);

      ceres::Solver::Options solver_options;
      solver_options.minimizer_type = ceres::TRUST_REGION;
      solver_options.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
      solver_options.linear_solver_type = ceres::SPARSE_NORMAL_CHOLESKY;
      solver_options.max_num_iterations = options.max_iterations;
      if (deadline) {
        solver_options.max_solver_time_in_seconds =
            std::max(std::chrono::duration<double>(*deadline - Clock::now()).count(), 1e-3);
      }
      solver_options.initial_trust_region_radius = options.initial_trust_region_radius;
      solver_options.function_tolerance = options.function_tolerance;
      solver_options.gradient_tolerance = options.gradient_tolerance;
      solver_options.parameter_tolerance = options.parameter_tolerance;
      solver_options.num_threads = options.threads;
      solver_options.minimizer_progress_to_stdout = options.verbose;
      solver_options.logging_type =
          options.verbose ? ceres::PER_MINIMIZER_ITERATION : ceres::SILENT;
      struct Progress : ceres::IterationCallback {
        const decltype(report)* forward;
        ceres::CallbackReturnType operator()(const ceres::IterationSummary& it) override {
          return (*forward)(it.iteration, it.cost, std::sqrt(2 * it.cost))
                     ? ceres::SOLVER_CONTINUE
                     : ceres::SOLVER_ABORT;
        }
      } progress;
      progress.forward = &report;
      if (options.on_iteration) solver_options.callbacks.push_back(&progress);
      ceres::Solver::Summary summary;
      ceres::Solve(solver_options, &problem, &summary);
      result.iterations += std::max(static_cast<int>(summary.iterations.size()) - 1, 0);
      result.status = summary.message;
      failed = summary.termination_type == ceres::FAILURE;
      measured.reset();
      return summary.termination_type == ceres::CONVERGENCE;
    };
    auto attempt = [&](bool use_split) {
      return least_squares ? attempt_least_squares(use_split) : attempt_del_equations();
    };

    result.converged = attempt(split);
    if (split) {
      if (result.converged && !measured) {
        measured = del_residual(model, current_path(), options.threads);
      }
      const bool out_of_time =
          options.max_seconds > 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count() >=
              options.max_seconds;
      if (interrupted) {
        // Ctrl-C (or the caller) stopped the split solve: no second attempt.
      } else if (out_of_time && !result.converged) {
        std::ostringstream why;
        why << " (the time budget of " << options.max_seconds << " s is spent)";
        result.status += why.str();
      } else if (!result.converged || !below_tolerance(*measured)) {
        // The split is a convergence accelerator, never a requirement: finish on the Lagrangian's
        // own residuals from wherever it stopped.
        const std::string first = result.status;
        result.converged = attempt(false);
        result.status = first + "; then without the split: " + result.status;
      } else {
        result.null_lagrangian_split = true;
      }
    }
  } else {
    result.converged = true;
    result.status = "K = 1: no interior nodes";
  }

  result.path = current_path();
  result.action = discrete_action(model, result.path);
  const DelResidual del = measured ? *measured : del_residual(model, result.path, options.threads);
  result.del_residual_max = del.max;
  result.del_residual_scale = del.scale;
  if (result.converged && !below_tolerance(del)) {
    result.converged = false;
    result.outcome = BvpOutcome::DelResidualAboveTolerance;
    std::ostringstream why;
    why << "; but the DEL residual " << del.max << " exceeds the tolerance "
        << options.del_tolerance << " x max(1, scale " << del.scale << ")";
    result.status += why.str();
  } else if (!result.converged) {
    result.outcome = failed ? BvpOutcome::SolverFailed : BvpOutcome::NotConverged;
    result.status = (failed        ? "solver failed: "
                     : interrupted ? "interrupted after " + std::to_string(result.iterations) +
                                         " iterations (the path is the best so far): "
                                   : "not converged: ") +
                    result.status;
  } else {
    result.outcome = BvpOutcome::Certified;
    if (options.second_order && K >= 2) {
      SecondOrderOptions second = *options.second_order;
      second.threads = options.threads;
      const long dimension = long(K - 1) * long(X_start.cols()) * long(X_start.rows() - 1);
      if (second.max_dimension > 0 && dimension > second.max_dimension) {
        result.status += "; second-order certificate skipped: " + std::to_string(dimension) +
                         " unknowns > its limit " + std::to_string(second.max_dimension);
      } else {
        try {
          result.second_order = second_order_certificate(model, result.path, second);
        } catch (const Error& e) {  // e.g. a token within 1e-5 of the cut locus
          result.status += std::string("; no second-order certificate: ") + e.what();
        }
      }
    }
  }
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace varsphere
