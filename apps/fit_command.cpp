// `varsphere fit`: the attention flow that explains observed token paths (docs/math.md §7): a
// parametrized family fitted by the path-optimality or the trajectory-matching loss, its flat
// directions and standard errors, and, with a hold-out, its predictions against baselines.
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <varsphere/core/error.hpp>
#include <varsphere/core/h5_table.hpp>
#include <varsphere/core/thread_count.hpp>
#include <varsphere/core/trajectory_io.hpp>
#include <varsphere/solvers/fit_holdout.hpp>

#include "commands.hpp"
#include "output_plan.hpp"
#include "provenance.hpp"
#include "verbosity_flags.hpp"

namespace varsphere::apps {

namespace {

struct FitFlags {
  std::vector<std::string> paths;
  std::string model = "sa", score = "full", value = "full", time = "constant", loss = "path-optimality";
  std::string mask = "none";
  double alibi = 0;
  int heads = 1, rank = 1, blocks = 1, starts = 1, max_iterations = 200, threads = 1;
  unsigned long long seed = 1;
  double max_step = 0.05, holdout = 0, holdout_layers = 0;
  std::string json, out;
};

nlohmann::json number_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

nlohmann::json vector_json(const Eigen::VectorXd& v) {
  nlohmann::json out = nlohmann::json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) out.push_back(number_or_null(v(i)));
  return out;
}

H5Array matrix_array(const Eigen::MatrixXd& M) {  // C order, rows × cols
  H5Array a{{static_cast<unsigned long long>(M.rows()), static_cast<unsigned long long>(M.cols())}, {}};
  for (Eigen::Index r = 0; r < M.rows(); ++r)
    for (Eigen::Index c = 0; c < M.cols(); ++c) a.values.push_back(M(r, c));
  return a;
}

H5Array vector_array(const Eigen::VectorXd& v) {
  return H5Array{{static_cast<unsigned long long>(v.size())}, std::vector<double>(v.data(), v.data() + v.size())};
}

void run_fit(const FitFlags& f) {
  if (f.paths.empty()) throw InvalidInput("--paths: at least one trajectory file is needed");
  if (f.max_iterations < 1) throw InvalidInput("--max-iterations must be at least 1");
  if (f.starts < 1) throw InvalidInput("--starts must be at least 1");
  if (!(f.max_step > 0) || !std::isfinite(f.max_step)) throw InvalidInput("--max-step must be positive");
  if (f.threads < 0) throw InvalidInput("--threads must be >= 0 (0: all cores)");
  OutputPlan plan;
  for (const std::string& p : f.paths) plan.input(p, "--paths");
  plan.file(f.json, "--json", {".json"}).file(f.out, "--out", {".h5"}).check();
  std::vector<Trajectory> paths;
  for (const std::string& p : f.paths) paths.push_back(read_trajectory(p));
  const AttentionFamily family = attention_family_for(
      paths, {f.model, f.score, f.value, f.time, f.heads, f.rank, f.blocks, f.mask, f.alibi});
  FitOptions options;
  options.loss = parse_fit_loss(f.loss);
  options.max_iterations = f.max_iterations;
  options.threads = resolve_thread_count(f.threads);
  options.starts = f.starts;
  options.seed = f.seed;
  options.max_step = f.max_step;
  const FitStudy study = fit_with_holdout(paths, family, options, {f.holdout, f.holdout_layers});
  const AttentionFit& fit = study.fit;

  nlohmann::json summary = provenance_json("fit summary");
  summary["command"] = "fit";
  summary["paths"] = f.paths;
  summary["family"] = {{"d", family.d},           {"model", f.model},
                       {"mask", f.mask},          {"alibi", f.alibi},
                       {"heads", family.heads},   {"score", to_string(family.score)},
                       {"rank", family.rank},     {"value", to_string(family.value)},
                       {"time", to_string(family.time)}, {"blocks", family.time_blocks()},
                       {"t0", family.t0},         {"t1", family.t1},
                       {"parameters", family.parameter_count()}};
  summary["loss"] = to_string(fit.loss);
  summary["outcome"] = to_string(fit.outcome);
  summary["converged"] = fit.outcome == FitOutcome::Converged;
  summary["status"] = fit.status;
  summary["cost"] = fit.cost;
  summary["path_optimality_cost"] = fit.path_cost;
  summary["r_squared"] = fit.r_squared;
  summary["residuals"] = fit.residuals;
  summary["gauge_dimension"] = fit.gauge_dimension;
  summary["null_dimension"] = fit.null_space.cols();
  summary["singular_values"] = vector_json(fit.singular_values);
  summary["start_costs"] = fit.start_costs;
  summary["iterations"] = fit.iterations;
  summary["wall_seconds"] = fit.seconds;
  nlohmann::json parameters = nlohmann::json::array();
  for (Eigen::Index j = 0; j < fit.theta.size(); ++j) {
    parameters.push_back({{"name", family.parameter_name(j)},
                          {"value", fit.theta(j)},
                          {"standard_error", fit.standard_errors.size() ? number_or_null(fit.standard_errors(j))
                                                                         : nlohmann::json(nullptr)}});
  }
  summary["parameters"] = parameters;
  const std::vector<std::vector<AttentionHead>> block_heads = family.block_heads(fit.theta);
  nlohmann::json heads = nlohmann::json::array();
  for (const auto& in_block : block_heads) {
    nlohmann::json entries = nlohmann::json::array();
    for (const AttentionHead& head : in_block) entries.push_back({{"A", matrix_json(head.A)}, {"V", matrix_json(head.V)}});
    heads.push_back(entries);
  }
  summary["heads"] = heads;
  nlohmann::json per_path = nlohmann::json::array();
  for (const Eigen::VectorXd& r : fit.step_residuals) {
    per_path.push_back({{"max", r.maxCoeff()}, {"mean", r.mean()}, {"steps", vector_json(r)}});
  }
  summary["step_residuals"] = per_path;
  if (!study.holdout.empty()) {
    nlohmann::json rows = nlohmann::json::array();
    for (const HoldoutRow& r : study.holdout) {
      rows.push_back({{"model", r.model},
                      {"parameters", r.parameters},
                      {"train_cost", r.train_cost},
                      {"trajectory_error", number_or_null(r.trajectory_error)},
                      {"layer_error", number_or_null(r.layer_error)},
                      {"r_squared", number_or_null(r.r_squared)}});
    }
    summary["holdout"] = {{"trajectories", f.holdout}, {"layers", f.holdout_layers},
                          {"train_paths", study.train_paths}, {"test_paths", study.test_paths},
                          {"rows", rows}};
  }

  OutputTransaction outputs = plan.transaction();
  if (!f.json.empty()) write_json(outputs.stage(f.json), summary);
  if (!f.out.empty() && fit.outcome == FitOutcome::Converged) {
    H5Table table;
    table.datasets["theta"] = vector_array(fit.theta);
    if (fit.standard_errors.size()) table.datasets["standard_errors"] = vector_array(fit.standard_errors);
    table.datasets["singular_values"] = vector_array(fit.singular_values);
    if (fit.null_space.cols() > 0) table.datasets["null_space"] = matrix_array(fit.null_space);
    // A and V as (blocks, heads, d, d).
    H5Array A{{static_cast<unsigned long long>(family.time_blocks()), static_cast<unsigned long long>(family.heads),
               static_cast<unsigned long long>(family.d), static_cast<unsigned long long>(family.d)}, {}};
    H5Array V = A;
    for (const auto& in_block : block_heads) {
      for (const AttentionHead& head : in_block) {
        for (Eigen::Index r = 0; r < family.d; ++r)
          for (Eigen::Index c = 0; c < family.d; ++c) {
            A.values.push_back(head.A(r, c));
            V.values.push_back(head.V(r, c));
          }
      }
    }
    table.datasets["A"] = A;
    table.datasets["V"] = V;
    for (std::size_t p = 0; p < fit.step_residuals.size(); ++p)
      table.datasets["step_residuals/path_" + std::to_string(p + 1)] = vector_array(fit.step_residuals[p]);
    table.attributes["family"] = summary["family"].dump();
    table.attributes["loss"] = to_string(fit.loss);
    table.attributes["cost"] = fit.cost;
    table.attributes["r_squared"] = fit.r_squared;
    table.attributes["command_line"] = command_line();
    write_h5_table(outputs.stage(f.out), table);
  }
  outputs.commit();
  if (!quiet()) {
    std::cout << std::setprecision(6) << "fit: " << to_string(fit.loss) << ", " << family.parameter_count()
              << " parameters (" << f.model << ", " << family.heads << " head(s), score " << to_string(family.score)
              << ", value " << to_string(family.value) << ", " << to_string(family.time) << ")\n"
              << "  " << to_string(fit.outcome) << ": cost " << fit.cost << ", R^2 of the velocities "
              << fit.r_squared << ", " << fit.iterations << " iterations, " << fit.seconds << " s\n"
              << "  flat directions " << fit.null_space.cols() << " (gauge " << fit.gauge_dimension << ")\n";
    for (const HoldoutRow& r : study.holdout) {
      std::cout << "  held out, " << std::setw(8) << r.model << ": trajectory error " << r.trajectory_error
                << ", layer error " << r.layer_error << ", R^2 " << r.r_squared << "\n";
    }
  }
  if (fit.outcome != FitOutcome::Converged) throw Error("fit: " + to_string(fit.outcome) + ": " + fit.status);
}

}  // namespace

void add_fit_command(CLI::App& app) {
  auto f = std::make_shared<FitFlags>();
  CLI::App* cmd = app.add_subcommand("fit", "Fit an attention flow to observed token paths");
  add_verbosity_flags(*cmd);
  cmd->add_option("--paths", f->paths, "observed trajectories (.h5 or .csv, as `flow --out` writes them)")->required();
  cmd->add_option("--model", f->model, "sa or usa");
  cmd->add_option("--heads", f->heads, "number of heads H");
  cmd->add_option("--score", f->score, "score matrix family: full, symmetric, low-rank, scalar (A = beta I)");
  cmd->add_option("--rank", f->rank, "rank r of A = Q^T K for --score low-rank");
  cmd->add_option("--value", f->value, "value matrix family: full, symmetric, tied (V = A), identity");
  cmd->add_option("--time", f->time, "constant, piecewise (equal time blocks) or smooth (Legendre basis)");
  cmd->add_option("--blocks", f->blocks, "time blocks (piecewise) or basis functions (smooth)");
  cmd->add_option("--mask", f->mask, "fixed score mask of the model: none, causal, strict-causal");
  cmd->add_option("--alibi", f->alibi, "fixed ALiBi bias -lambda |i - j| / n of the model");
  cmd->add_option("--loss", f->loss, "path-optimality (the flow-matching action) or trajectory-matching");
  cmd->add_option("--starts", f->starts, "the identity start and starts-1 perturbed ones; the best is kept");
  cmd->add_option("--seed", f->seed, "seed of the perturbed starts");
  cmd->add_option("--max-iterations", f->max_iterations, "Levenberg-Marquardt iterations per stage");
  cmd->add_option("--max-step", f->max_step, "largest RK4 step of trajectory matching and of predictions");
  cmd->add_option("--holdout", f->holdout, "fraction of the trajectories (the last ones) held out");
  cmd->add_option("--holdout-layers", f->holdout_layers, "fraction of the frames (the last) of each trajectory held out");
  cmd->add_option("--threads", f->threads, "Ceres threads (0: all cores)");
  cmd->add_option("--json", f->json, "JSON summary (written also when the fit fails)");
  cmd->add_option("--out", f->out, "fitted parameters, standard errors, null space, residuals (.h5, written only on success)");
  cmd->callback([f] { run_fit(*f); });
}

}  // namespace varsphere::apps
