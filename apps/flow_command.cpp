// `varsphere flow`: integrates the attention flow from a CSV configuration and reports energy,
// clusters and cost (README.md, "Command line").
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/progress.hpp>
#include <varsphere/core/trajectory_io.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

#include "attention_flags.hpp"
#include "commands.hpp"
#include "output_plan.hpp"
#include "provenance.hpp"
#include "seed_option.hpp"
#include "verbosity_flags.hpp"

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
  long long max_steps = 1'000'000;
  double noise = 0.0, noise_dt = 0.0;
  std::uint64_t seed = 1;
  std::string out, out_final, json;
  double cluster_threshold = kDefaultClusterThreshold;
};

// "energy a -> b" where E_β is finite, otherwise (β·max score above ~709) its logarithm.
struct EnergyReport {
  double initial, final;
  std::optional<double> log_initial, log_final;  // β > 0 only
  bool finite() const { return std::isfinite(initial) && std::isfinite(final); }
};

EnergyReport energies(const Configuration& X0, const Configuration& X1, const Eigen::MatrixXd& A,
                      double beta, int threads) {
  EnergyReport e{
      attention_energy(X0, A, beta, threads), attention_energy(X1, A, beta, threads), {}, {}};
  if (beta > 0) {
    e.log_initial = attention_log_energy(X0, A, beta, threads);
    e.log_final = attention_log_energy(X1, A, beta, threads);
  }
  return e;
}

void run_flow(const FlowFlags& f) {
  // Everything is checked before the integration starts.
  if (!std::isfinite(f.T) || f.T < 0) throw InvalidInput("--T must be finite and >= 0");
  if (!(f.dt > 0) || !std::isfinite(f.dt)) throw InvalidInput("--dt must be positive");
  if (!(f.rtol > 0) || !(f.atol > 0)) throw InvalidInput("--rtol and --atol must be positive");
  if (f.save_every < 1) throw InvalidInput("--save-every must be at least 1");
  if (f.max_steps < 1) throw InvalidInput("--max-steps must be at least 1");
  if (!(f.cluster_threshold > -1 && f.cluster_threshold < 1)) {
    throw InvalidInput("--cluster-threshold must lie in (-1, 1)");
  }
  OutputPlan plan;
  plan.input(f.x0, "--x0");
  f.attention.declare_inputs(plan);
  plan.file(f.out, "--out", {".csv", ".h5"})
      .file(f.out_final, "--out-final", {".csv"})
      .file(f.json, "--json", {".json"})
      .check();
  const Configuration X0 = read_points(f.x0);
  const Eigen::Index d = X0.rows(), n = X0.cols();
  const AttentionModel model = f.attention.load(d, n);
  const AttentionField& field = model.field;
  const Eigen::MatrixXd& A = model.A;

  FlowOptions options;
  options.scheme = parse_flow_scheme(f.scheme);
  options.dt = f.dt;
  options.rtol = f.rtol;
  options.atol = f.atol;
  options.save_every = f.save_every;
  options.max_steps = static_cast<std::size_t>(f.max_steps);
  options.record = !f.out.empty();
  options.norm = f.attention.placement();
  options.ngpt_alpha = f.attention.ngpt_alpha;
  options.noise_sigma = f.noise;
  options.noise_dt = f.noise_dt;
  options.seed = f.seed;
  if (f.noise > 0 && options.scheme != FlowScheme::GeodesicEulerMaruyama) {
    throw InvalidInput("--noise needs --scheme geodesic-euler-maruyama");
  }
  ProgressReporter progress("flow", 0.0, f.T, !quiet() && ProgressReporter::stderr_is_terminal());
  options.on_step = [&](double t) { progress.update(t); };

  const auto start = std::chrono::steady_clock::now();
  const FlowResult result = integrate(field, X0, 0.0, f.T, options);
  progress.finish();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const double beta = f.attention.beta;
  const EnergyReport energy = energies(X0, result.final_state, A, beta, f.attention.threads);
  const int clusters = count_clusters(result.final_state, f.cluster_threshold);
  const double min_inner = min_pairwise_inner_product(result.final_state);

  OutputTransaction outputs = plan.transaction();
  if (!f.out.empty()) {
    TrajectoryAttributes attributes = provenance_attributes("attention flow trajectory (flow)");
    attributes.merge(model_attributes(f.attention, model));
    attributes.insert({{"scheme", f.scheme},
                       {"dt", f.dt},
                       {"rtol", f.rtol},
                       {"atol", f.atol},
                       {"save_every", static_cast<double>(f.save_every)},
                       {"x0", f.x0},
                       {"T", f.T},
                       {"noise", f.noise},
                       {"seed", std::to_string(f.seed)}});
    write_trajectory(outputs.stage(f.out), result.trajectory, attributes);
  }
  if (!f.out_final.empty()) write_points(outputs.stage(f.out_final), result.final_state);
  if (!f.json.empty()) {
    nlohmann::json summary = provenance_json("flow summary");
    summary["attention"] = model_json(f.attention, model);
    summary.update(nlohmann::json{{"command", "flow"},
                                  {"n", n},
                                  {"d", d},
                                  {"T", f.T},
                                  {"noise", f.noise},
                                  {"noise_dt", f.noise_dt},
                                  {"seed", std::to_string(f.seed)},
                                  {"model", f.attention.model},
                                  {"beta", beta},
                                  {"norm", f.attention.norm},
                                  {"sign", f.attention.sign},
                                  {"scheme", f.scheme},
                                  {"dt", f.dt},
                                  {"clusters_final", clusters},
                                  {"cluster_threshold", f.cluster_threshold},
                                  {"min_inner_product_final", min_inner},
                                  {"steps", result.steps},
                                  {"max_steps", f.max_steps},
                                  {"rhs_evaluations", result.rhs_evaluations},
                                  {"saved_frames", result.trajectory.size()},
                                  {"x0", f.x0},
                                  {"rtol", f.rtol},
                                  {"atol", f.atol},
                                  {"wall_seconds", wall}});
    // A double that overflowed is left out rather than written as null.
    if (std::isfinite(energy.initial)) summary["energy_initial"] = energy.initial;
    if (std::isfinite(energy.final)) summary["energy_final"] = energy.final;
    if (energy.log_initial) summary["log_energy_initial"] = *energy.log_initial;
    if (energy.log_final) summary["log_energy_final"] = *energy.log_final;
    write_json(outputs.stage(f.json), summary);
  }
  outputs.commit();
  std::ostringstream energy_line;
  energy_line << std::setprecision(10);
  if (energy.finite()) {
    energy_line << "energy " << energy.initial << " -> " << energy.final;
  } else {
    energy_line << "log-energy " << *energy.log_initial << " -> " << *energy.log_final
                << " (the energy itself overflows a double)";
  }
  std::cout << std::setprecision(10) << "flow: n = " << n << ", d = " << d << ", T = " << f.T
            << ", " << f.attention.model << " beta = " << beta << ", " << f.scheme << "\n"
            << "  " << energy_line.str() << "\n"
            << "  clusters at T: " << clusters << " (threshold " << f.cluster_threshold
            << "), min <x_i, x_j> = " << min_inner << "\n"
            << "  " << result.steps << " steps, " << result.rhs_evaluations
            << " field evaluations, " << std::setprecision(3) << wall << " s\n";
}

}  // namespace

void add_flow_command(CLI::App& app) {
  auto f = std::make_shared<FlowFlags>();
  CLI::App* cmd = app.add_subcommand("flow", "Integrate the attention flow from a configuration");
  add_verbosity_flags(*cmd);
  cmd->add_option("--x0", f->x0, "CSV point set: one token per row")->required();
  cmd->add_option("--T", f->T, "final time")->required();
  f->attention.add_to(*cmd);
  cmd->add_option("--scheme", f->scheme,
                  "rk4, dopri5, geodesic-euler, euler-renormalize or simuformer-euler (replay)")
      ->check(CLI::IsMember({"rk4", "dopri5", "geodesic-euler", "euler-renormalize",
                             "simuformer-euler", "geodesic-euler-maruyama"}));
  cmd->add_option("--noise", f->noise,
                  "sigma >= 0 of Brownian noise on the tokens (with geodesic-euler-maruyama)");
  cmd->add_option("--noise-dt", f->noise_dt, "grid step of the Brownian path (default --dt)");
  add_seed_option(*cmd, f->seed);
  cmd->add_option("--dt", f->dt, "step (fixed-step schemes), initial step and save unit (dopri5)");
  cmd->add_option("--rtol", f->rtol, "dopri5 relative tolerance");
  cmd->add_option("--atol", f->atol, "dopri5 absolute tolerance");
  cmd->add_option("--save-every", f->save_every, "save a frame every K steps (dopri5: K*dt)");
  cmd->add_option("--max-steps", f->max_steps,
                  "step budget: fixed-step runs needing more are refused, dopri5 stops there");
  cmd->add_option("--out", f->out, "trajectory file (.csv or .h5)");
  cmd->add_option("--out-final", f->out_final, "final configuration (.csv)");
  cmd->add_option("--json", f->json, "JSON summary");
  cmd->add_option("--cluster-threshold", f->cluster_threshold,
                  "tokens i, j are linked when <x_i, x_j> exceeds it");
  cmd->callback([f] { run_flow(*f); });
}

}  // namespace varsphere::apps
