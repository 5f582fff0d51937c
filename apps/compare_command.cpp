// `varsphere compare`: integrates the attention flow from X0 to T accurately, solves the BVP
// between X(0) and X(T) for the chosen Lagrangian on K steps, and compares the optimal path with
// the flow (docs/math.md §3). With the De Giorgi Lagrangian the two coincide up to O(h²)
// and the action equals the energy gain.
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <varsphere/core/atomic_file.hpp>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/progress.hpp>
#include <varsphere/core/trajectory_io.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/attention_normalization.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/check_el.hpp>
#include <varsphere/solvers/discrete_action.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/path_comparison.hpp>

#include "bvp_flags.hpp"
#include "commands.hpp"
#include "solve_progress.hpp"
#include "lagrangian_choice.hpp"
#include "output_plan.hpp"
#include "verbosity_flags.hpp"

namespace varsphere::apps {

namespace {

struct CompareFlags {
  std::string x0;
  BvpFlags bvp;
  std::string json, plot;
};

// The flow and the optimal path (CSV and HDF5) and, per grid time, the distance between them,
// the energy of each, dE/dt = ⟨∇E, F⟩ along the flow and its dissipation |F|²_g in the metric of
// the gradient structure (SA: (1/n²)Σ Z_i|F_i|², USA: (1/n)Σ|F_i|²), equal to dE/dt when A is
// symmetric and V = A (docs/math.md §2.3). Written for scripts/plot_results.py.
const std::vector<std::string> kPlotFiles = {"flow.csv", "path.csv", "flow.h5", "path.h5",
                                             "comparison.csv"};

void write_plot_data(OutputTransaction& outputs, const std::filesystem::path& dir,
                     const AttentionModel& model, double beta, const Trajectory& flow,
                     const Trajectory& path, const BvpFlags& f) {
  write_trajectory(outputs.stage(dir / kPlotFiles[0]), flow);
  write_trajectory(outputs.stage(dir / kPlotFiles[1]), path);
  write_trajectory(outputs.stage(dir / kPlotFiles[2]), flow,
                   bvp_attributes("attention flow (compare, dopri5 on the K+1 grid)", f, model));
  write_trajectory(outputs.stage(dir / kPlotFiles[3]), path,
                   bvp_attributes("optimal path (compare)", f, model));
  const Eigen::MatrixXd& A = model.A;
  const int threads = model.field.options().threads;
  const bool softmax = model.field.options().normalization == AttentionNormalization::Softmax;
  // Energies overflow a double at large beta: their logarithms are written too.
  const bool logs = beta > 0;
  write_text_atomically(outputs.stage(dir / kPlotFiles[4]), [&](std::ostream& out) {
    out << std::setprecision(17) << "t,distance,energy_flow,energy_path,dEdt_flow,dissipation_flow"
        << (logs ? ",log_energy_flow,log_energy_path" : "") << "\n";
    for (std::size_t k = 0; k < flow.size(); ++k) {
      const Eigen::MatrixXd& X = flow.frames[k];
      Eigen::MatrixXd F;
      model.field(flow.times[k], X, F);
      const double power = attention_energy_gradient(X, A, beta, threads).cwiseProduct(F).sum();
      const double dissipation =
          softmax ? sa_dissipation(X, F, A, beta, threads) : usa_dissipation(F);
      out << flow.times[k] << ',' << product::distance(X, path.frames[k]) << ','
          << attention_energy(X, A, beta, threads) << ','
          << attention_energy(path.frames[k], A, beta, threads) << ',' << power << ','
          << dissipation;
      if (logs) {
        out << ',' << attention_log_energy(X, A, beta, threads) << ','
            << attention_log_energy(path.frames[k], A, beta, threads);
      }
      out << '\n';
    }
  });
}

void run_compare(const CompareFlags& f) {
  f.bvp.check();
  OutputPlan plan;
  plan.input(f.x0, "--x0");
  f.bvp.attention.declare_inputs(plan);
  plan.file(f.json, "--json", {".json"}).folder(f.plot, "--plot", kPlotFiles).check();
  const auto start = std::chrono::steady_clock::now();
  const Configuration X0 = read_points(f.x0);
  const Eigen::Index d = X0.rows();
  const AttentionModel model = f.bvp.attention.load(d, X0.cols());
  const Eigen::MatrixXd& A = model.A;
  const double beta = f.bvp.attention.beta;
  const int threads = model.field.options().threads;
  with_lagrangian(f.bvp.lagrangian, f.bvp.attention, model, [&](const auto& L) {
    const Trajectory flow = f.bvp.reference_flow(model, X0);
    BvpOptions options = f.bvp.options(model, X0, &flow);
    SolveProgress progress("compare", f.bvp.max_iterations,
                           !quiet() && ProgressReporter::stderr_is_terminal());
    options.on_iteration = [&](const BvpIteration& it) { return progress(it); };
    const BvpResult r = solve_bvp(L, X0, flow.frames.back(), f.bvp.T, f.bvp.K, options);
    progress.finish();
    const PathComparison c = compare_paths(r.path, flow);
    const double gain = attention_energy(flow.frames.back(), A, beta, threads) -
                        attention_energy(X0, A, beta, threads);
    const double flow_action = discrete_action(L, options.rule, flow);
    nlohmann::json summary = bvp_summary("compare", f.bvp, model, X0, r);
    if (std::isfinite(gain)) summary["energy_gain"] = gain;  // left out when E overflows
    if (beta > 0) {
      summary["log_energy_initial"] = attention_log_energy(X0, A, beta, threads);
      summary["log_energy_final"] = attention_log_energy(flow.frames.back(), A, beta, threads);
    }
    summary["action_flow"] = flow_action;
    summary["max_distance_path_to_flow"] = c.sup_distance;
    summary["l2_distance_path_to_flow"] = c.l2_distance;
    summary["path_length"] = c.length_a;
    summary["flow_length"] = c.length_b;
    summary["endpoint_distance"] = c.endpoint_distance;
    if (flow.size() >= 9) summary["checkel_flow"] = check_el(L, flow).max_residual;
    summary["bvp_wall_seconds"] = r.wall_seconds;
    summary["wall_seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    OutputTransaction outputs = plan.transaction();
    if (!f.json.empty()) write_json(outputs.stage(f.json), summary);
    if (r.converged && !f.plot.empty()) {
      write_plot_data(outputs, f.plot, model, beta, flow, r.path, f.bvp);
    }
    outputs.commit();
    print_bvp(std::cout, f.bvp, r);
    std::cout << std::setprecision(10) << "compare: energy gain E(X_T) - E(X_0) = " << gain
              << ", action of the optimal path " << r.action << ", of the flow " << flow_action
              << "\n  max distance optimal path to flow " << std::setprecision(3) << c.sup_distance
              << " (L2 " << c.l2_distance << "); lengths: path " << c.length_a << ", flow "
              << c.length_b << ", endpoints " << c.endpoint_distance << "\n";
    if (!r.converged) throw Error("compare: " + r.status);
  });
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto f = std::make_shared<CompareFlags>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Compare the attention flow with the optimal path between its ends");
  add_verbosity_flags(*cmd);
  cmd->add_option("--x0", f->x0, "CSV initial configuration")->required();
  f->bvp.add_to(*cmd);
  cmd->add_option("--json", f->json, "JSON summary");
  cmd->add_option(
      "--plot", f->plot,
      "folder for flow and path (.csv, .h5) and comparison.csv (t, distance, energies)");
  cmd->callback([f] { run_compare(*f); });
}

}  // namespace varsphere::apps
