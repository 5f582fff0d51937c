// varsphere.fit: the attention flow that explains observed token paths (solvers/attention_fit.hpp,
// solvers/fit_holdout.hpp; docs/inverse.md). Returns what `varsphere fit --json` writes, with
// numpy arrays for the matrices.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/core/thread_count.hpp>
#include <varsphere/solvers/fit_holdout.hpp>

#include "arrays.hpp"
#include "bindings.hpp"

namespace varsphere::python {

namespace {

py::object number_or_none(double x) { return std::isfinite(x) ? py::object(py::float_(x)) : py::none(); }

// (times, X) pairs or objects with .times and .X (a FlowSolution).
std::vector<Trajectory> observed_paths(const py::object& trajectories) {
  if (!py::isinstance<py::sequence>(trajectories) || py::isinstance<py::str>(trajectories)) {
    throw InvalidInput("fit: trajectories must be a list of (times, X) pairs or FlowSolutions");
  }
  std::vector<Trajectory> out;
  std::size_t i = 0;
  for (const py::handle item : trajectories.cast<py::sequence>()) {
    ++i;
    const std::string what = "fit: trajectory " + std::to_string(i);
    if (py::hasattr(item, "times") && py::hasattr(item, "X")) {
      out.push_back(trajectory_from(item.attr("X"), item.attr("times"), what));
    } else if (py::isinstance<py::sequence>(item) && py::len(item) == 2) {
      const py::sequence pair = item.cast<py::sequence>();
      out.push_back(trajectory_from(pair[1], pair[0], what));
    } else {
      throw InvalidInput(what + " is neither a (times, X) pair nor a FlowSolution");
    }
  }
  return out;
}

py::dict run_fit(const py::object& trajectories, const std::string& model, int heads,
                 const std::string& score, int rank, const std::string& value,
                 const std::string& time, int blocks, const std::string& mask, double alibi,
                 const std::string& loss, int starts,
                 unsigned long long seed, int max_iterations, double max_step, double holdout,
                 double holdout_layers, int threads) {
  const std::vector<Trajectory> paths = observed_paths(trajectories);
  const AttentionFamily family =
      attention_family_for(paths, {model, score, value, time, heads, rank, blocks, mask, alibi});
  if (threads < 0) throw InvalidInput("threads must be >= 0 (0: all cores)");
  FitOptions options;
  options.loss = parse_fit_loss(loss);
  options.max_iterations = max_iterations;
  options.starts = starts;
  options.seed = seed;
  options.max_step = max_step;
  options.threads = resolve_thread_count(threads);
  const FitStudy study =
      without_gil([&] { return fit_with_holdout(paths, family, options, {holdout, holdout_layers}); });
  const AttentionFit& fit = study.fit;

  py::dict out;
  out["loss"] = to_string(fit.loss);
  out["outcome"] = to_string(fit.outcome);
  out["converged"] = fit.outcome == FitOutcome::Converged;
  out["status"] = fit.status;
  out["cost"] = fit.cost;
  out["path_optimality_cost"] = fit.path_cost;
  out["r_squared"] = fit.r_squared;
  out["residuals"] = fit.residuals;
  out["parameters"] = family.parameter_count();
  out["gauge_dimension"] = fit.gauge_dimension;
  out["null_dimension"] = fit.null_space.cols();
  out["theta"] = to_vector(fit.theta);
  out["standard_errors"] = fit.standard_errors.size() ? py::object(to_vector(fit.standard_errors)) : py::none();
  out["singular_values"] = to_vector(fit.singular_values);
  // Rows of the null space are parameters: a (P, k) array.
  py::array_t<double> null_space({fit.null_space.rows(), fit.null_space.cols()});
  for (Eigen::Index r = 0; r < fit.null_space.rows(); ++r)
    for (Eigen::Index c = 0; c < fit.null_space.cols(); ++c) null_space.mutable_at(r, c) = fit.null_space(r, c);
  out["null_space"] = null_space;
  py::list names;
  for (Eigen::Index j = 0; j < fit.theta.size(); ++j) names.append(family.parameter_name(j));
  out["parameter_names"] = names;
  const py::ssize_t B = family.time_blocks(), H = family.heads, d = family.d;
  py::array_t<double> A({B, H, d, d}), V({B, H, d, d});
  const std::vector<std::vector<AttentionHead>> block_heads = family.block_heads(fit.theta);
  for (py::ssize_t b = 0; b < B; ++b) {
    for (py::ssize_t h = 0; h < H; ++h) {
      const AttentionHead& head = block_heads[b][h];
      for (py::ssize_t r = 0; r < d; ++r)
        for (py::ssize_t c = 0; c < d; ++c) {
          A.mutable_at(b, h, r, c) = head.A(r, c);
          V.mutable_at(b, h, r, c) = head.V(r, c);
        }
    }
  }
  out["A"] = A;
  out["V"] = V;
  py::list residuals;
  for (const Eigen::VectorXd& r : fit.step_residuals) residuals.append(to_vector(r));
  out["step_residuals"] = residuals;
  out["start_costs"] = fit.start_costs;
  out["iterations"] = fit.iterations;
  out["wall_seconds"] = fit.seconds;
  py::list rows;
  for (const HoldoutRow& r : study.holdout) {
    py::dict row;
    row["model"] = r.model;
    row["parameters"] = r.parameters;
    row["train_cost"] = r.train_cost;
    row["trajectory_error"] = number_or_none(r.trajectory_error);
    row["layer_error"] = number_or_none(r.layer_error);
    row["r_squared"] = number_or_none(r.r_squared);
    rows.append(row);
  }
  out["holdout"] = rows;
  out["train_paths"] = study.train_paths;
  out["test_paths"] = study.test_paths;
  return out;
}

}  // namespace

void bind_fit(py::module_& m) {
  m.def("fit", &run_fit, py::arg("trajectories"), py::kw_only(), py::arg("model") = "sa",
        py::arg("heads") = 1, py::arg("score") = "full", py::arg("rank") = 1,
        py::arg("value") = "full", py::arg("time") = "constant", py::arg("blocks") = 1,
        py::arg("mask") = "none", py::arg("alibi") = 0.0,
        py::arg("loss") = "path-optimality", py::arg("starts") = 1, py::arg("seed") = 1,
        py::arg("max_iterations") = 200, py::arg("max_step") = 0.05, py::arg("holdout") = 0.0,
        py::arg("holdout_layers") = 0.0, py::arg("threads") = 1,
        R"(Fit an attention flow to observed token paths (as `varsphere fit`; docs/inverse.md).

Args:
    trajectories: a list of (times (m,), X (m, n, d)) pairs or FlowSolutions; one d for all,
        any n and m >= 2, times strictly increasing (irregular allowed).
    model: 'sa' or 'usa'. heads: H.
    score: 'full', 'symmetric', 'low-rank' (A = Q^T K, rank r) or 'scalar' (A = beta I).
    value: 'full', 'symmetric', 'tied' (V = A) or 'identity'.
    time: 'constant', 'piecewise' (blocks equal time blocks) or 'smooth' (blocks Legendre
        polynomials), over the observed time range.
    mask, alibi: a fixed score bias of the model ('none', 'causal', 'strict-causal'; ALiBi's
        lambda), as in varsphere.Attention: part of the model, not fitted.
    loss: 'path-optimality' (the discrete flow-matching action of the observed paths) or
        'trajectory-matching' (distance to the RK4 flow from each first frame, started from the
        path-optimality fit over growing time windows).
    starts, seed: the identity start and starts - 1 perturbed ones; the lowest cost is kept.
    holdout, holdout_layers: fractions of the trajectories / of the last frames held out and
        predicted by the fit and by the baselines 'identity' (A = beta I, V = I) and 'usa'.

Returns a dict with the CLI's JSON keys ('outcome', 'cost', 'r_squared', 'null_dimension',
'holdout' rows, ...) and arrays 'theta', 'standard_errors', 'A', 'V' (blocks, H, d, d),
'singular_values', 'null_space' (P, k), 'step_residuals' (one (m - 1,) array per trajectory).
An unidentifiable or unconverged fit is returned with its 'outcome' (no exception).)");
}

}  // namespace varsphere::python
