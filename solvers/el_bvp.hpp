// The discrete Euler–Lagrange boundary-value problem on (S^{d-1})^n solved with Ceres
// (MATH.md §3; DESIGN.md "BVP"):
//
//   solve_bvp(L, X_start, X_end, T, K, options) -> BvpResult
//
// Nodes X_0..X_K at t_k = kT/K with X_0 = X_start and X_K = X_end fixed; every interior token
// is one Ceres parameter block of size d on CeresSphereManifold (updates move along geodesics
// and stay on the sphere).
//  * Least-squares Lagrangians (L = ½|r|²): Levenberg–Marquardt on the step residuals
//    sqrt(h)·r(t*, M_k, V_k), whose Jacobian is block-banded in time (sparse Cholesky); the
//    result minimizes the discrete action.
//  * Any other Lagrangian: Levenberg–Marquardt on the DEL residuals themselves (their gradient
//    terms by automatic differentiation, their Jacobian by central differences), which finds
//    stationary paths whether or not they minimize.
// The result certifies itself: the DEL residual is recomputed from the returned path and a solve
// counts as converged only if Ceres converged AND that residual is below the tolerance.
#pragma once

#include <ceres/ceres.h>

#include <Eigen/Sparse>

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/jet_gradient.hpp>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/manifolds/ceres_sphere_manifold.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/discrete_action.hpp>
#include <varsphere/solvers/discrete_lagrangian.hpp>
#include <varsphere/solvers/split_step.hpp>

namespace varsphere {

enum class BvpMethod {
  Automatic,     ///< least squares when the Lagrangian is a sum of squares, else DEL equations
  LeastSquares,  ///< minimize ½Σ|step residuals|² (requires a least-squares Lagrangian)
  DelEquations,  ///< drive the discrete Euler–Lagrange residuals to zero
};

struct BvpOptions {
  DiscreteRule rule = DiscreteRule::Midpoint;
  BvpMethod method = BvpMethod::Automatic;
  /// Initial path with K+1 frames whose ends equal X_start and X_end; default: the geodesic
  /// interpolation X_k = γ(k/K) (undefined, and reported, for antipodal endpoint tokens).
  std::optional<Trajectory> initial_path;
  int max_iterations = 200;
  /// Levenberg–Marquardt starts with the damping μ = 1/radius (relative to diag JᵀJ). The
  /// smoothest modes of a path with K steps have eigenvalues ~ π²/K² of that diagonal, so Ceres'
  /// default 1e4 damps them away at large K; starting nearly undamped lets the first steps be
  /// Gauss–Newton steps (a bad one is rejected and the damping raised).
  double initial_trust_region_radius = 1e8;
  double function_tolerance = 1e-15;
  double gradient_tolerance = 1e-16;
  double parameter_tolerance = 1e-15;
  /// Converged requires the final DEL residual (per unit time, see discrete_action.hpp) to be at
  /// most del_tolerance · max(1, scale), scale being the size of the terms that cancel in it.
  /// Levenberg–Marquardt reliably reaches ~1e-8 relative (see polish_steps); for a certificate at
  /// rounding level solve again with method = DelEquations and initial_path = this result's path
  /// (Newton on the DEL equations: ~1e-14, at a higher cost per iteration).
  double del_tolerance = 1e-7;
  /// Least squares only: Gauss–Newton steps after Levenberg–Marquardt, each kept only if it lowers
  /// the DEL residual. LM judges steps by the change of the cost, which at a minimum with a large
  /// cost (the De Giorgi action is the energy gain) is lost in rounding near a DEL residual of
  /// ~1e-8; Gauss–Newton steps need no such comparison and reach ~1e-12.
  int polish_steps = 5;
  int threads = 1;
  bool verbose = false;
  /// Use a Lagrangian's closed-form residual Jacobians when it has them (kinetic, De Giorgi,
  /// flow matching with an attention field); false forces automatic differentiation.
  bool analytic_jacobians = true;
  /// For a Lagrangian that splits into a least-squares partner plus a null Lagrangian
  /// (SplitLeastSquaresLagrangian, e.g. De Giorgi = flow matching + dE/dt), minimize the same
  /// discrete action through the partner's nearly zero residuals (split_step.hpp): Gauss–Newton
  /// then converges in a few iterations instead of linearly. Falls back to the Lagrangian's own
  /// residuals if the split solve does not converge.
  bool null_lagrangian_split = true;
};

struct BvpResult {
  Trajectory path;                ///< K+1 nodes at t_k = kT/K
  double action = 0.0;            ///< discrete action S_d
  double del_residual_max = 0;    ///< max_k,i |P ∇_{x_k,i} S_d| / h
  double del_residual_scale = 0;  ///< size of the one-sided terms that cancel in it
  int iterations = 0;
  bool converged = false;
  std::string status;  ///< what happened, in one line
  std::string method;  ///< "least-squares" or "del-equations"
  double wall_seconds = 0.0;
};

namespace detail {

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

/// Gathers nodes k0..k0+count−1 as d×n matrices of T from Ceres' parameter pointers (free nodes,
/// in order) and the fixed ends.
template <class T>
std::vector<Mat<T>> gather_nodes(const NodeLayout& L, int k0, int count, T const* const* params) {
  std::vector<Mat<T>> nodes;
  int next = 0;
  for (int k = k0; k < k0 + count; ++k) {
    Mat<T> X(L.d, L.n);
    for (Eigen::Index i = 0; i < L.n; ++i) {
      if (L.is_free(k)) {
        for (Eigen::Index c = 0; c < L.d; ++c) X(c, i) = params[next][c];
        ++next;
      } else {
        for (Eigen::Index c = 0; c < L.d; ++c) X(c, i) = T(L.token(k, i)[c]);
      }
    }
    nodes.push_back(std::move(X));
  }
  return nodes;
}

template <class Lag>
struct StepResidualFunctor {
  const Lag* lagrangian;
  NodeLayout layout;
  DiscreteRule rule;
  int k;
  double h;
  template <class T>
  bool operator()(T const* const* params, T* residuals) const {
    const auto nodes = gather_nodes<T>(layout, k, 2, params);
    Vec<T> r;
    if (!step_residuals(*lagrangian, rule, k * h, h, nodes[0], nodes[1], r)) return false;
    for (Eigen::Index j = 0; j < r.size(); ++j) residuals[j] = r(j);
    return true;
  }
};

template <class Lag>
struct DelResidualFunctor {
  const Lag* lagrangian;
  NodeLayout layout;
  DiscreteRule rule;
  int k;  // interior node
  double h;
  bool operator()(double const* const* params, double* residuals) const {
    const auto nodes = gather_nodes<double>(layout, k - 1, 3, params);
    try {
      const Eigen::MatrixXd G =
          node_action_gradient(*lagrangian, rule, (k - 1) * h, h, nodes[0], nodes[1], nodes[2]);
      const Eigen::MatrixXd& X = nodes[1];
      for (Eigen::Index i = 0; i < layout.n; ++i) {
        const Eigen::VectorXd g = (G.col(i) - X.col(i).dot(G.col(i)) * X.col(i)) / h;
        for (Eigen::Index c = 0; c < layout.d; ++c) residuals[i * layout.d + c] = g(c);
      }
    } catch (const CutLocusError&) {
      return false;
    }
    return true;
  }
};

/// A step cost with closed-form Jacobians: `step(X_a, X_b, r, Ja, Jb)` writes the residual and,
/// when Ja and Jb are not null, its Jacobians with respect to the two nodes (ambient, column i·d +
/// c), and returns false where the residual is undefined. Used with step_residual_jacobians()
/// (discrete_lagrangian.hpp), O(m·n·d²) instead of automatic differentiation through the whole
/// Lagrangian, and with split_step_residuals() (split_step.hpp).
template <class StepFunction>
class ClosedFormStepCost final : public ceres::CostFunction {
 public:
  ClosedFormStepCost(StepFunction step, NodeLayout layout, int k, int residuals)
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
    const auto nodes = gather_nodes<double>(layout_, k_, 2, params);
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
ceres::CostFunction* closed_form_step_cost(StepFunction step, NodeLayout layout, int k,
                                           int residuals) {
  return new ClosedFormStepCost<StepFunction>(std::move(step), layout, k, residuals);
}

inline void add_blocks(const NodeLayout& L, int k0, int count, std::vector<double*>& blocks) {
  for (int k = k0; k < k0 + count; ++k) {
    if (!L.is_free(k)) continue;
    for (Eigen::Index i = 0; i < L.n; ++i) blocks.push_back(L.block(k, i));
  }
}

inline constexpr int kBvpJetStride = 16;

/// Gauss–Newton polishing of a least-squares problem (see BvpOptions::polish_steps): steps
/// δ = −(JᵀJ)⁻¹Jᵀr in the tangent spaces of `blocks`, kept while `del_residual()` decreases;
/// a negative `del_residual()` means "within tolerance" and ends the polishing.
/// Returns the number of steps kept.
template <class DelResidual>
int gauss_newton_polish(ceres::Problem& problem, const std::vector<double*>& blocks,
                        const CeresSphereManifold& sphere, int max_steps,
                        const DelResidual& del_residual) {
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

}  // namespace detail

template <class L>
BvpResult solve_bvp(const L& lagrangian, const Configuration& X_start, const Configuration& X_end,
                    double T, int K, const BvpOptions& options = {}) {
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

  bool least_squares = false;
  if constexpr (LeastSquaresLagrangian<L>) {
    least_squares = options.method != BvpMethod::DelEquations;
    if constexpr (requires { lagrangian.least_squares_applicable(); }) {
      least_squares = least_squares && lagrangian.least_squares_applicable();
    }
  }
  if (options.method == BvpMethod::LeastSquares && !least_squares) {
    throw InvalidInput("BVP: this Lagrangian is not a sum of squares; use the DEL equations");
  }

  // Initial path.
  std::vector<double> interior(std::size_t(K - 1) * n * d);
  const detail::NodeLayout layout{d, n, K, &interior, &X_start, &X_end};
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
  result.method = least_squares ? "least-squares" : "del-equations";
  auto below_tolerance = [&](const DelResidual& r) {
    return r.max <= options.del_tolerance * std::max(1.0, r.scale);
  };
  std::optional<DelResidual> measured;  // DEL residual of the current path, when already known
  if (K > 1) {
    ceres::Problem::Options problem_options;
    problem_options.manifold_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
    CeresSphereManifold sphere(static_cast<int>(d));

    // The null-Lagrangian split (split_step.hpp): its offset C must exceed every defect −c_k
    // the solve meets; ten times the largest on the initial path leaves room, and steps that
    // violate it are rejected by the trust region.
    bool split = false;
    double offset = 0.0;
    if constexpr (SplitLeastSquaresLagrangian<L>) {
      split = least_squares && options.null_lagrangian_split && options.analytic_jacobians;
      const Trajectory initial = split ? current_path() : Trajectory{};
      double largest = 0.0;
      for (int k = 0; split && k < K; ++k) {
        double defect = 0.0;
        split = split_step_defect(lagrangian, options.rule, k * h, h, initial.frames[k],
                                  initial.frames[k + 1], defect) &&
                std::isfinite(defect);
        largest = std::max(largest, std::abs(defect));
      }
      const double gain = lagrangian.split_potential(X_end) - lagrangian.split_potential(X_start);
      offset = 10.0 * largest + h * h * h * (1.0 + std::abs(gain));
    }

    // One Levenberg–Marquardt solve from the current path, then Gauss–Newton polishing; true if
    // Ceres converged.
    auto attempt = [&](bool use_split) {
      ceres::Problem problem(problem_options);
      std::vector<double*> blocks;
      if (least_squares) {
        if constexpr (LeastSquaresLagrangian<L>) {
          const int m = static_cast<int>(lagrangian.residual_size(d, n));
          for (int k = 0; k < K; ++k) {
            blocks.clear();
            detail::add_blocks(layout, k, 2, blocks);
            const double t_a = k * h;
            ceres::CostFunction* cost = nullptr;
            if constexpr (SplitLeastSquaresLagrangian<L>) {
              if (use_split) {
                cost = detail::closed_form_step_cost(
                    [&lagrangian, rule = options.rule, t_a, h, offset](
                        const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb, Eigen::VectorXd& r,
                        Eigen::MatrixXd* Ja, Eigen::MatrixXd* Jb) {
                      return split_step_residuals(lagrangian, rule, t_a, h, offset, Xa, Xb, r, Ja,
                                                  Jb);
                    },
                    layout, k, static_cast<int>(lagrangian.split_residual_size(d, n)) + 1);
              }
            }
            if constexpr (AnalyticLeastSquaresLagrangian<L>) {
              if (cost == nullptr && options.analytic_jacobians) {
                cost = detail::closed_form_step_cost(
                    [&lagrangian, rule = options.rule, t_a, h](
                        const Eigen::MatrixXd& Xa, const Eigen::MatrixXd& Xb, Eigen::VectorXd& r,
                        Eigen::MatrixXd* Ja, Eigen::MatrixXd* Jb) {
                      if (Ja == nullptr) return step_residuals(lagrangian, rule, t_a, h, Xa, Xb, r);
                      return step_residual_jacobians(lagrangian, rule, t_a, h, Xa, Xb, r, *Ja, *Jb);
                    },
                    layout, k, m);
              }
            }
            if (cost == nullptr) {
              using Functor = detail::StepResidualFunctor<L>;
              auto* autodiff =
                  new ceres::DynamicAutoDiffCostFunction<Functor, detail::kBvpJetStride>(
                      new Functor{&lagrangian, layout, options.rule, k, h});
              for (std::size_t b = 0; b < blocks.size(); ++b) autodiff->AddParameterBlock(int(d));
              autodiff->SetNumResiduals(m);
              cost = autodiff;
            }
            problem.AddResidualBlock(cost, nullptr, blocks);
          }
        }
      } else {
        for (int k = 1; k < K; ++k) {
          using Functor = detail::DelResidualFunctor<L>;
          auto* cost = new ceres::DynamicNumericDiffCostFunction<Functor, ceres::CENTRAL>(
              new Functor{&lagrangian, layout, options.rule, k, h});
          blocks.clear();
          detail::add_blocks(layout, k - 1, 3, blocks);
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
      ceres::Solver::Summary summary;
      ceres::Solve(solver_options, &problem, &summary);
      result.iterations += static_cast<int>(summary.iterations.size()) - 1;
      const bool converged = summary.termination_type == ceres::CONVERGENCE;
      result.status = (use_split ? "null-Lagrangian split: " : "") + summary.message;
      if (summary.termination_type == ceres::FAILURE && !use_split) {
        throw Error("BVP: the solver failed: " + summary.message);
      }
      measured.reset();
      if (least_squares && converged && options.polish_steps > 0) {
        measured = del_residual(lagrangian, options.rule, current_path());
      }
      if (measured && !below_tolerance(*measured)) {
        measured.reset();  // the path is about to change
        std::vector<double*> all;
        detail::add_blocks(layout, 1, K - 1, all);
        const int kept =
            detail::gauss_newton_polish(problem, all, sphere, options.polish_steps, [&] {
              const DelResidual r = del_residual(lagrangian, options.rule, current_path());
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
        measured = del_residual(lagrangian, options.rule, current_path());
      }
      if (!result.converged || !below_tolerance(*measured)) {
        // The split is a convergence accelerator, never a requirement: finish on the Lagrangian's
        // own residuals from wherever it stopped.
        const std::string first = result.status;
        result.converged = attempt(false);
        result.status = first + "; then without the split: " + result.status;
      } else {
        result.method += " (null-Lagrangian split)";
      }
    }
  } else {
    result.converged = true;
    result.status = "K = 1: no interior nodes";
  }

  result.path = current_path();
  result.action = discrete_action(lagrangian, options.rule, result.path);
  const DelResidual del =
      measured ? *measured : del_residual(lagrangian, options.rule, result.path);
  result.del_residual_max = del.max;
  result.del_residual_scale = del.scale;
  if (result.converged && !below_tolerance(del)) {
    result.converged = false;
    std::ostringstream why;
    why << "; but the DEL residual " << del.max << " exceeds the tolerance "
        << options.del_tolerance << " x max(1, scale " << del.scale << ")";
    result.status += why.str();
  } else if (!result.converged) {
    result.status = "not converged: " + result.status;
  }
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace varsphere
