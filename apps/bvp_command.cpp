// `varsphere bvp`: the optimal path between two configurations for a Lagrangian (README.md, "Command line").
#include <iomanip>
#include <iostream>
#include <memory>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/progress.hpp>
#include <varsphere/core/trajectory_io.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
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
};

void run_bvp(const BvpCommandFlags& f) {
  f.bvp.check();
  OutputPlan plan;
  plan.input(f.x0, "--x0").input(f.x1, "--x1");
  f.bvp.attention.declare_inputs(plan);
  plan.file(f.out, "--out", {".csv", ".h5"}).file(f.json, "--json", {".json"}).check();
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
    const BvpResult r = solve_bvp(L, X0, X1, f.bvp.T, f.bvp.K, options);
    progress.finish();
    const nlohmann::json summary = bvp_summary("bvp", f.bvp, model, X0, r);
    // A failed solve writes its summary (converged: false) where --json asked, never the path.
    OutputTransaction outputs = plan.transaction();
    if (!f.json.empty()) write_json(outputs.stage(f.json), summary);
    if (r.converged && !f.out.empty()) {
      write_trajectory(outputs.stage(f.out), r.path,
                       bvp_attributes("optimal path (bvp)", f.bvp, model));
    }
    outputs.commit();
    print_bvp(std::cout, f.bvp, r);
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
  cmd->callback([f] { run_bvp(*f); });
}

}  // namespace varsphere::apps
