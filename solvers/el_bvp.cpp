#include <varsphere/solvers/el_bvp.hpp>

#include <ceres/dynamic_numeric_diff_cost_function.h>
#include <ceres/problem.h>
#include <ceres/solver.h>

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
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

/// A step cost with closed-form (or adapter-computed) Jacobians: `step(X_a, X_b, r, Ja, Jb)`
/// writes the residual and, when Ja and Jb are not null, its Jacobians with respect to the two
/// nodes (ambient, column i·d + c), and returns false where the residual is undefined.
template <class StepFunction>
class StepCost final : public ceres::CostFunction {
 public:
  StepCost(StepFunction step, NodeLayout layout, int k, int residuals)
      : step_(std::move(step)), layout_(layout), k_(k) {
    set_num_residuals(residuals);
    for (int node = k; node <= k + 1; ++node) {
      if (!layout.is_free(node)) continue;
      for (Eigen::Index i = 0; i < layout.n; ++i) {
        mutable_parameter_block_sizes()->push_back(static_cast<int32_t>(layout.d));
      }
    }
  }

  bool Evaluate(double const* const* params, double* residuals, double** jacobians) const override {
    const Eigen::Index d = layout_.d, n = layout_.n;
    const auto nodes = gather_nodes(layout_, k_, 2, params);
    Eigen::VectorXd r;
    Eigen::MatrixXd Ja, Jb;
    const bool want = jacobians != nullptr;
    if (!step_(nodes[0], nodes[1], r, want ? &Ja : nullptr, want ? &Jb : nullptr)) return false;
    Eigen::Map<Eigen::VectorXd>(residuals, r.size()) = r;
    if (!want) return true;
    int block = 0;
    for (int side = 0; side < 2; ++side) {
      if (!layout_.is_free(k_ + side)) continue;
      const Eigen::MatrixXd& J = side == 0 ? Ja : Jb;
      for (Eigen::Index i = 0; i < n; ++i, ++block) {
        if (jacobians[block] == nullptr) continue;
        Eigen::Map<Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(jacobians[block], r.size(), d) =
            J.middleCols(i * d, d);
      }
    }
    return true;
  }

 private:
  StepFunction step_;
  NodeLayout layout_;
  int k_;
};

template <class StepFunction>
ceres::CostFunction* step_cost(StepFunction step, NodeLayout layout, int k, int residuals) {
  return new StepCost<StepFunction>(std::move(step), layout, k, residuals);
}

void add_blocks(const NodeLayout& L, int k0, int count, std::vector<double*>& blocks) {
  for (int k = k0; k < k0 + count; ++k) {
    if (!L.is_free(k)) continue;
    for (Eigen::Index i = 0; i < L.n; ++i) blocks.push_back(L.block(k, i));
  }
}

/// Gauss–Newton polishing of a least-squares problem (see BvpOptions::polish_steps): steps
/// δ = −(JᵀJ)⁻¹Jᵀr in the tangent spaces of `blocks`, kept while `del_residual()` decreases;
/// a negative `del_residual()` means "within tolerance" and ends the polishing.
/// Returns the number of steps kept.
template <class DelResidualOfPath>
int gauss_newton_polish(ceres::Problem& problem, const std::vector<double*>& blocks,
                        const CeresSphereManifold& sphere, int max_steps,
                        const DelResidualOfPath& del_residual) {
  const int d = sphere.AmbientSize(), t = sphere.TangentSize();
  double current = del_residual();
  int kept = 0;
  for (int step = 0; step < max_steps; ++step) {
    ceres::Problem::EvaluateOptions eval;
    eval.parameter_blocks = blocks;
    std::vector<double> gradient;
    ceres::CRSMatrix crs;
    if (!problem.Evaluate(eval, nullptr, nullptr, &gradient, &crs)) break;
    Eigen::SparseMatrix<double, Eigen::RowMajor> J(crs.num_rows, crs.num_cols);
    std::vector<Eigen::Triplet<double>> entries;
    entries.reserve(crs.values.size());
    for (int r = 0; r < crs.num_rows; ++r) {
      for (int e = crs.rows[r]; e < crs.rows[r + 1]; ++e)
        entries.emplace_back(r, crs.cols[e], crs.values[e]);
    }
    J.setFromTriplets(entries.begin(), entries.end());
    const Eigen::SparseMatrix<double> H = Eigen::SparseMatrix<double>(J.transpose()) * J;
    Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt(H);
    if (ldlt.info() != Eigen::Success) break;
    const Eigen::VectorXd delta =
        -ldlt.solve(Eigen::Map<const Eigen::VectorXd>(gradient.data(), gradient.size()));
    std::vector<Eigen::VectorXd> saved(blocks.size());
    Eigen::VectorXd moved(d);
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      saved[b] = Eigen::Map<const Eigen::VectorXd>(blocks[b], d);
      sphere.Plus(blocks[b], delta.data() + b * t, moved.data());
      Eigen::Map<Eigen::VectorXd>(blocks[b], d) = moved;
    }
    const double next = del_residual();
    if (!(next < current)) {
      for (std::size_t b = 0; b < blocks.size(); ++b)
        Eigen::Map<Eigen::VectorXd>(blocks[b], d) = saved[b];
      break;
    }
    current = next;
    ++kept;
    if (current < 0) break;  // del_residual() signals "within tolerance" with a negative value
  }
  return kept;
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

  // Memory, before anything is allocated: each step's residual block holds a dense Jacobian
  // (m × 2nd, m ≈ nd residuals) and couples 2n tokens in the normal equations ((2n)² blocks of
  // d×d); the sparse Cholesky factor is of the same order.
  {
    const double nd = static_cast<double>(n) * static_cast<double>(d);
    const double m = least_squares ? static_cast<double>(model.residual_size(d, n)) : nd;
    const double bytes = 8.0 * K * (2 * m * nd + 8 * nd * nd + 6 * nd);
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
  bool failed = false;                  // Ceres' last solve ended in FAILURE
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

    // One Levenberg–Marquardt solve from the current path, then Gauss–Newton polishing; true if
    // Ceres converged.
    auto attempt = [&](bool use_split) {
      ceres::Problem problem(problem_options);
      std::vector<double*> blocks;
      if (least_squares) {
        const int m = use_split ? static_cast<int>(model.split_residual_size(d, n)) + 1
                                : static_cast<int>(model.residual_size(d, n));
        for (int k = 0; k < K; ++k) {
          blocks.clear();
          add_blocks(layout, k, 2, blocks);
          const double t_a = k * h;
          ceres::CostFunction* cost = nullptr;
          if (use_split) {
            cost = step_cost(
                [&model, t_a, h, offset](const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                                         Eigen::VectorXd& r, Eigen::MatrixXd* Ja,
                                         Eigen::MatrixXd* Jb) {
                  return model.split_step_residuals(t_a, h, offset, Xa, Xb, r, Ja, Jb);
                },
                layout, k, m);
          } else {
            cost = step_cost(
                [&model, t_a, h](const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb,
                                 Eigen::VectorXd& r, Eigen::MatrixXd* Ja, Eigen::MatrixXd* Jb) {
                  return model.step_residuals(t_a, h, Xa, Xb, r, Ja, Jb);
                },
                layout, k, m);
          }
          problem.AddResidualBlock(cost, nullptr, blocks);
        }
      } else {
        for (int k = 1; k < K; ++k) {
          auto* cost =
              new ceres::DynamicNumericDiffCostFunction<DelResidualFunctor, ceres::CENTRAL>(
                  new DelResidualFunctor{&model, layout, k, h});
          blocks.clear();
          add_blocks(layout, k - 1, 3, blocks);
          for (std::size_t b = 0; b < blocks.size(); ++b) cost->AddParameterBlock(int(d));
          cost->SetNumResiduals(int(n * d));
          problem.AddResidualBlock(cost, nullptr, blocks);
        }
      }
      for (int k = 1; k < K; ++k)
        for (Eigen::Index i = 0; i < n; ++i) problem.SetManifold(layout.block(k, i), &sphere);

      ceres::Solver::Options solver_options;
      solver_options.minimizer_type = ceres::TRUST_REGION;
      solver_options.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
      solver_options.linear_solver_type = ceres::SPARSE_NORMAL_CHOLESKY;
      solver_options.max_num_iterations = options.max_iterations;
      if (options.max_seconds > 0) {
        const double spent =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
        solver_options.max_solver_time_in_seconds = std::max(options.max_seconds - spent, 1e-3);
      }
      solver_options.initial_trust_region_radius = options.initial_trust_region_radius;
      solver_options.function_tolerance = options.function_tolerance;
      solver_options.gradient_tolerance = options.gradient_tolerance;
      if (least_squares) {
        // The cost is the discrete action (up to a constant), so Ceres' projected gradient per
        // token is h × the DEL residual, in an orthonormal tangent basis (d − 1 coordinates):
        // |DEL_i| ≤ sqrt(d − 1)·max|g|/h. Stopping there (scale taken as 1, the conservative
        // choice) spares iterations that only polish rounding.
        solver_options.gradient_tolerance =
            std::max(options.gradient_tolerance,
                     options.del_tolerance * h / std::sqrt(static_cast<double>(d - 1)));
      }
      solver_options.parameter_tolerance = options.parameter_tolerance;
      solver_options.num_threads = options.threads;
      solver_options.minimizer_progress_to_stdout = options.verbose;
      solver_options.logging_type =
          options.verbose ? ceres::PER_MINIMIZER_ITERATION : ceres::SILENT;
      // Progress: Ceres calls back after each iteration; the count runs on across attempts.
      struct Progress : ceres::IterationCallback {
        const std::function<void(int)>* report;
        int before;
        ceres::CallbackReturnType operator()(const ceres::IterationSummary& it) override {
          (*report)(before + it.iteration);
          return ceres::SOLVER_CONTINUE;
        }
      } progress;
      progress.report = &options.on_iteration;
      progress.before = result.iterations;
      if (options.on_iteration) solver_options.callbacks.push_back(&progress);
      ceres::Solver::Summary summary;
      ceres::Solve(solver_options, &problem, &summary);
      result.iterations += std::max(static_cast<int>(summary.iterations.size()) - 1, 0);
      const bool converged = summary.termination_type == ceres::CONVERGENCE;
      result.status = (use_split ? "null-Lagrangian split: " : "") + summary.message;
      failed = summary.termination_type == ceres::FAILURE;
      measured.reset();
      if (least_squares && converged && options.polish_steps > 0) {
        measured = del_residual(model, current_path());
      }
      if (measured && !below_tolerance(*measured)) {
        measured.reset();  // the path is about to change
        std::vector<double*> all;
        add_blocks(layout, 1, K - 1, all);
        const int kept = gauss_newton_polish(problem, all, sphere, options.polish_steps, [&] {
          const DelResidual r = del_residual(model, current_path());
          // Once below the tolerance there is nothing left to gain: report "no decrease".
          return below_tolerance(r) ? -1.0 : r.max;
        });
        result.iterations += kept;
        if (kept > 0) {
          result.status += "; " + std::to_string(kept) + " Gauss-Newton polishing steps";
        }
      }
      return converged;
    };

    result.converged = attempt(split);
    if (split) {
      if (result.converged && !measured) {
        measured = del_residual(model, current_path());
      }
      const bool out_of_time =
          options.max_seconds > 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count() >=
              options.max_seconds;
      if (out_of_time && !result.converged) {
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
  const DelResidual del = measured ? *measured : del_residual(model, result.path);
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
    result.status = (failed ? "solver failed: " : "not converged: ") + result.status;
  } else {
    result.outcome = BvpOutcome::Certified;
  }
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace varsphere
