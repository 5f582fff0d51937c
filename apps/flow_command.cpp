// `varsphere flow`: integrates the attention flow from a CSV configuration and reports energy,
// clusters and cost (README.md, "Command line").
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/progress.hpp>
#include <varsphere/core/trajectory_io.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/core/configuration.hpp>
#include <varsphere/functionals/attention_field.hpp>

#include "attention_flags.hpp"
#include "commands.hpp"
#include "quiet_flag.hpp"
#include "output_files.hpp"
#include "provenance.hpp"

namespace varsphere::apps {

namespace {

struct FlowFlags {
  std::string x0;
  double T = 0;
  AttentionFlags attention;
  std::string scheme = "rk4";
  double dt = 0.01;
  double rtol = 1e-8;
  double atol = 1e-10;
  int save_every = 1;
  std::string out, out_final, json;
  double cluster_threshold = kDefaultClusterThreshold;
};

void run_flow(const FlowFlags& f) {
  // Everything is checked before the integration starts.
  if (!std::isfinite(f.T) || f.T < 0) throw InvalidInput("--T must be finite and >= 0");
  if (!(f.dt > 0) || !std::isfinite(f.dt)) throw InvalidInput("--dt must be positive");
  if (!(f.rtol > 0) || !(f.atol > 0)) throw InvalidInput("--rtol and --atol must be positive");
  if (f.save_every < 1) throw InvalidInput("--save-every must be at least 1");
  if (!(f.cluster_threshold > -1 && f.cluster_threshold < 1)) {
    throw InvalidInput("--cluster-threshold must lie in (-1, 1)");
  }
  check_output_path(f.out, "--out", {".csv", ".h5"});
  check_output_path(f.out_final, "--out-final", {".csv"});
  check_output_path(f.json, "--json", {".json"});
  const Configuration X0 = read_points(f.x0);
  const Eigen::Index d = X0.rows(), n = X0.cols();
  const AttentionModel model = f.attention.load(d);
  const AttentionField& field = model.field;
  const Eigen::MatrixXd& A = model.A;

  FlowOptions options;
  options.scheme = parse_flow_scheme(f.scheme);
  options.dt = f.dt;
  options.rtol = f.rtol;
  options.atol = f.atol;
  options.save_every = f.save_every;
  options.record = !f.out.empty();
  options.norm = f.attention.placement();
  ProgressReporter progress("flow", 0.0, f.T, !quiet() && ProgressReporter::stderr_is_terminal());
  options.on_step = [&](double t) { progress.update(t); };

  const auto start = std::chrono::steady_clock::now();
  const FlowResult result = integrate(field, X0, 0.0, f.T, options);
  progress.finish();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const double beta = f.attention.beta;
  const double e0 = attention_energy(X0, A, beta),
               e1 = attention_energy(result.final_state, A, beta);
  const int clusters = count_clusters(result.final_state, f.cluster_threshold);
  const double min_inner = min_pairwise_inner_product(result.final_state);

  if (!f.out.empty()) {
    TrajectoryAttributes attributes = provenance_attributes("attention flow trajectory (flow)");
    attributes.merge(model_attributes(f.attention, model));
    attributes.insert({{"scheme", f.scheme},
                       {"dt", f.dt},
                       {"rtol", f.rtol},
                       {"atol", f.atol},
                       {"save_every", static_cast<double>(f.save_every)},
                       {"x0", f.x0},
                       {"T", f.T}});
    write_trajectory(f.out, result.trajectory, attributes);
  }
  if (!f.out_final.empty()) write_points(f.out_final, result.final_state);
  if (!f.json.empty()) {
    nlohmann::json summary = provenance_json("flow summary");
    summary["attention"] = model_json(f.attention, model);
    summary.update(nlohmann::json{{"command", "flow"},
                        {"n", n},
                        {"d", d},
                        {"T", f.T},
                        {"model", f.attention.model},
                        {"beta", beta},
                        {"norm", f.attention.norm},
                        {"sign", f.attention.sign},
                        {"scheme", f.scheme},
                        {"dt", f.dt},
                        {"energy_initial", e0},
                        {"energy_final", e1},
                        {"clusters_final", clusters},
                        {"cluster_threshold", f.cluster_threshold},
                        {"min_inner_product_final", min_inner},
                        {"steps", result.steps},
                        {"rhs_evaluations", result.rhs_evaluations},
                        {"saved_frames", result.trajectory.size()},
                        {"x0", f.x0},
                        {"rtol", f.rtol},
                        {"atol", f.atol},
                        {"wall_seconds", wall}});
    write_json(f.json, summary);
  }
  std::cout << std::setprecision(10) << "flow: n = " << n << ", d = " << d << ", T = " << f.T
            << ", " << f.attention.model << " beta = " << beta << ", " << f.scheme << "\n"
            << "  energy " << e0 << " -> " << e1 << "\n"
            << "  clusters at T: " << clusters << " (threshold " << f.cluster_threshold
            << "), min <x_i, x_j> = " << min_inner << "\n"
            << "  " << result.steps << " steps, " << result.rhs_evaluations
            << " field evaluations, " << std::setprecision(3) << wall << " s\n";
}

}  // namespace

void add_flow_command(CLI::App& app) {
  auto f = std::make_shared<FlowFlags>();
  CLI::App* cmd = app.add_subcommand("flow", "Integrate the attention flow from a configuration");
  add_quiet_flag(*cmd);
  cmd->add_option("--x0", f->x0, "CSV point set: one token per row")->required();
  cmd->add_option("--T", f->T, "final time")->required();
  f->attention.add_to(*cmd);
  cmd->add_option("--scheme", f->scheme, "rk4, dopri5, geodesic-euler or euler-renormalize")
      ->check(CLI::IsMember({"rk4", "dopri5", "geodesic-euler", "euler-renormalize"}));
  cmd->add_option("--dt", f->dt, "step (fixed-step schemes), initial step and save unit (dopri5)");
  cmd->add_option("--rtol", f->rtol, "dopri5 relative tolerance");
  cmd->add_option("--atol", f->atol, "dopri5 absolute tolerance");
  cmd->add_option("--save-every", f->save_every, "save a frame every K steps (dopri5: K*dt)");
  cmd->add_option("--out", f->out, "trajectory file (.csv or .h5)");
  cmd->add_option("--out-final", f->out_final, "final configuration (.csv)");
  cmd->add_option("--json", f->json, "JSON summary");
  cmd->add_option("--cluster-threshold", f->cluster_threshold,
                  "tokens i, j are linked when <x_i, x_j> exceeds it");
  cmd->callback([f] { run_flow(*f); });
}

}  // namespace varsphere::apps
