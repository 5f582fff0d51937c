// `varsphere bvp`: the optimal path between two configurations for a Lagrangian (README.md, "Command line").
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/progress.hpp>
#include <varsphere/core/trajectory_io.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/continuation.hpp>
#include <varsphere/solvers/path_sensitivity.hpp>
#include <varsphere/core/configuration.hpp>

#include "bvp_flags.hpp"
#include "commands.hpp"
#include "solve_progress.hpp"
#include "verbosity_flags.hpp"
#include "lagrangian_choice.hpp"
#include "output_plan.hpp"

namespace varsphere::apps {

namespace {

struct BvpCommandFlags {
  std::string x0, x1;
  BvpFlags bvp;
  std::string out, json;
  std::string sensitivity, sensitivity_out;  // --sensitivity beta|T, its output file
  std::vector<double> continuation;          // β values solved before --beta
  std::string predictor = "sensitivity";
};

// The problem at θ = β (the attention model at β) or θ = T, the rest as the flags say.
ActionFamily problem_family(const BvpCommandFlags& f, const AttentionModel& model, DiscreteRule rule,
                            bool in_beta) {
  return [&f, &model, rule, in_beta](double theta) {
    AttentionFlags flags = f.bvp.attention;
    AttentionModel at = model;
    double T = f.bvp.T;
    if (in_beta) {
      flags.beta = theta;
      at.field = model.field.with_beta(theta);
    } else {
      T = theta;
    }
    std::shared_ptr<const StepModel> step_model;
    with_lagrangian(f.bvp.lagrangian, flags, at,
                    [&](const auto& L) { step_model = owned_step_model(L, rule); });
    return ParametrizedAction{step_model, T};
  };
}

// dX*/dθ of the optimal path for θ = β or θ = T (docs/math.md §3.9).
std::vector<Eigen::MatrixXd> sensitivity_of(const BvpCommandFlags& f, const AttentionModel& model,
                                            const BvpResult& r, const BvpOptions& options) {
  const bool in_beta = f.sensitivity == "beta";
  return path_sensitivity(problem_family(f, model, options.rule, in_beta),
                          in_beta ? f.bvp.attention.beta : f.bvp.T, r.path,
                          SensitivityOptions{1e-4, options.threads});
}

void run_bvp(const BvpCommandFlags& f) {
  f.bvp.check();
  OutputPlan plan;
  plan.input(f.x0, "--x0").input(f.x1, "--x1");
  f.bvp.attention.declare_inputs(plan);
  if (!f.sensitivity_out.empty() && f.sensitivity.empty()) {
    throw InvalidInput("--sensitivity-out needs --sensitivity beta or T");
  }
  for (double b : f.continuation) {
    if (!(b >= 0) || !std::isfinite(b)) throw InvalidInput("--continuation: beta values must be finite and >= 0");
  }
  if (!f.continuation.empty() && f.bvp.lagrangian == "kinetic") {
    throw InvalidInput("--continuation: the kinetic Lagrangian does not depend on beta");
  }
  if (!f.sensitivity.empty() && f.bvp.K < 2) {
    throw InvalidInput("--sensitivity needs K >= 2 (interior nodes)");
  }
  plan.file(f.out, "--out", {".csv", ".h5"})
      .file(f.json, "--json", {".json"})
      .file(f.sensitivity_out, "--sensitivity-out", {".csv", ".h5"})
      .check();
  const Configuration X0 = read_points(f.x0);
  const Configuration X1 = read_points(f.x1);
  if (X0.rows() != X1.rows() || X0.cols() != X1.cols()) {
    throw InvalidInput("--x0 and --x1 have different shapes (" + std::to_string(X0.cols()) + "x" +
                       std::to_string(X0.rows()) + " vs " + std::to_string(X1.cols()) + "x" +
                       std::to_string(X1.rows()) + ")");
  }
  const AttentionModel model = f.bvp.attention.load(X0.rows(), X0.cols());
  with_lagrangian(f.bvp.lagrangian, f.bvp.attention, model, [&](const auto& L) {
    BvpOptions options = f.bvp.options(model, X0);
    SolveProgress progress("bvp", f.bvp.max_iterations,
                           !quiet() && ProgressReporter::stderr_is_terminal());
    options.on_iteration = [&](const BvpIteration& it) { return progress(it); };
    // With --continuation: β = the listed values, then --beta, each from the previous path.
    std::vector<double> betas = f.continuation;
    betas.push_back(f.bvp.attention.beta);
    const std::vector<BvpResult> steps =
        f.continuation.empty()
            ? std::vector<BvpResult>{solve_bvp(L, X0, X1, f.bvp.T, f.bvp.K, options)}
            : continuation(problem_family(f, model, options.rule, true), betas, X0, X1, f.bvp.K,
                           options, parse_continuation_predictor(f.predictor));
    const BvpResult& r = steps.back();
    progress.finish();
    nlohmann::json summary = bvp_summary("bvp", f.bvp, model, X0, r);
    if (!f.continuation.empty()) {
      // Each stage with its certificate: a Morse index that changes along β marks a bifurcation.
      nlohmann::json stages = nlohmann::json::array();
      for (std::size_t j = 0; j < steps.size(); ++j) {
        stages.push_back({{"beta", betas[j]},
                          {"iterations", steps[j].iterations},
                          {"outcome", to_string(steps[j].outcome)},
                          {"second_order", steps[j].second_order ? second_order_json(*steps[j].second_order)
                                                                 : nlohmann::json(nullptr)}});
      }
      summary["continuation"] = {{"predictor", f.predictor}, {"stages", stages}};
    }
    Trajectory sensitivity;
    if (!f.sensitivity.empty() && r.converged) {
      const std::vector<Eigen::MatrixXd> dX = sensitivity_of(f, model, r, options);
      double largest = 0;
      for (std::size_t k = 0; k < dX.size(); ++k) {
        sensitivity.push_back(r.path.times[k], dX[k]);
        largest = std::max(largest, dX[k].norm());
      }
      summary["sensitivity"] = {{"parameter", f.sensitivity}, {"max_node_norm", largest}};
    }
    // A failed solve writes its summary (converged: false) where --json asked, never the path.
    OutputTransaction outputs = plan.transaction();
    if (!f.json.empty()) write_json(outputs.stage(f.json), summary);
    if (r.converged && !f.out.empty()) {
      write_trajectory(outputs.stage(f.out), r.path,
                       bvp_attributes("optimal path (bvp)", f.bvp, model));
    }
    if (r.converged && !f.sensitivity_out.empty()) {
      write_trajectory(outputs.stage(f.sensitivity_out), sensitivity,
                       bvp_attributes("tangent vectors dX/d" + f.sensitivity + " of the optimal path (bvp)",
                                      f.bvp, model));
    }
    outputs.commit();
    print_bvp(std::cout, f.bvp, r);
    if (summary.contains("sensitivity")) {
      std::cout << "  sensitivity: max_k |dX_k/d" << f.sensitivity
                << "| = " << summary["sensitivity"]["max_node_norm"].get<double>() << "\n";
    }
    if (!r.converged) throw Error("bvp: " + r.status);
  });
}

}  // namespace

void add_bvp_command(CLI::App& app) {
  auto f = std::make_shared<BvpCommandFlags>();
  CLI::App* cmd = app.add_subcommand("bvp", "Optimal path between two configurations (DEL BVP)");
  add_verbosity_flags(*cmd);
  cmd->add_option("--x0", f->x0, "CSV start configuration")->required();
  cmd->add_option("--x1", f->x1, "CSV end configuration")->required();
  f->bvp.add_to(*cmd);
  cmd->add_option("--out", f->out, "optimal path (.csv or .h5), written only if converged");
  cmd->add_option("--json", f->json, "JSON summary (written also when not converged)");
  cmd->add_option("--sensitivity", f->sensitivity,
                  "dX*/dθ of the optimal path by the implicit function theorem, θ = beta or T")
      ->check(CLI::IsMember({"beta", "T"}));
  cmd->add_option("--continuation", f->continuation,
                  "beta values solved first, in order, each from the previous optimal path; --beta last")
      ->delimiter(',');
  cmd->add_option("--predictor", f->predictor,
                  "continuation start: warm-start (the previous path) or sensitivity (moved along dX*/dbeta)")
      ->check(CLI::IsMember({"warm-start", "sensitivity"}));
  cmd->add_option("--sensitivity-out", f->sensitivity_out,
                  "the tangent vectors dX_k*/dθ (.csv or .h5, frames like a path)");
  cmd->callback([f] { run_bvp(*f); });
}

}  // namespace varsphere::apps
