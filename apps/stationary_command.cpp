// `varsphere stationary`: a stationary point of the interaction energy
// E_D(X) = (1/n²) Σ_ij exp(⟨x_i, D x_j⟩) reached from a configuration by ascent or descent
// (find_stationary), its classification by the Riemannian Hessian (classify) and its cluster
// structure (docs/math.md §4, BKKRW).
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/memory_budget.hpp>
#include <varsphere/functionals/interaction_energy.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/stationary.hpp>
#include <varsphere/core/configuration.hpp>

#include "commands.hpp"
#include "verbosity_flags.hpp"
#include "output_plan.hpp"
#include "provenance.hpp"

namespace varsphere::apps {

namespace {

// Above this tangent dimension n(d−1) the dense Hessian eigenproblem of `classify` takes seconds
// to minutes; --classify yes forces it.
constexpr Eigen::Index kAutoClassifyLimit = 2000;

struct StationaryFlags {
  std::string x0, d_matrix;
  bool ascent = false, descent = false;
  double tolerance = 1e-10;
  int max_iterations = 5000;
  std::string classify = "auto";
  std::string out_final, json;
  double cluster_threshold = kDefaultClusterThreshold;
};

void run_stationary(const StationaryFlags& f) {
  if (!(f.tolerance > 0) || !std::isfinite(f.tolerance)) {
    throw InvalidInput("--tolerance must be positive and finite");
  }
  if (f.max_iterations < 1) throw InvalidInput("--max-iterations must be at least 1");
  if (!(f.cluster_threshold > -1 && f.cluster_threshold < 1)) {
    throw InvalidInput("--cluster-threshold must lie in (-1, 1)");
  }
  OutputPlan plan;
  plan.input(f.x0, "--x0").input(f.d_matrix, "--d-matrix");
  plan.file(f.out_final, "--out-final", {".csv"}).file(f.json, "--json", {".json"}).check();
  const Configuration X0 = read_points(f.x0);
  const Eigen::Index d = X0.rows(), n = X0.cols();
  const Eigen::MatrixXd D =
      f.d_matrix.empty() ? Eigen::MatrixXd::Identity(d, d) : read_square_matrix(f.d_matrix, d);
  if (!f.d_matrix.empty()) validate_symmetric(D, f.d_matrix + ": D");
  if (D.cwiseAbs().maxCoeff() > 300) {
    throw InvalidInput("D has an entry of size " + std::to_string(D.cwiseAbs().maxCoeff()) +
                       ": exp(<x, D y>) would overflow (keep |D| below 300)");
  }
  const InteractionEnergy energy(D);
  const Extremum direction = f.descent ? Extremum::Descent : Extremum::Ascent;
  const bool do_classify =
      f.classify == "yes" || (f.classify == "auto" && n * (d - 1) <= kAutoClassifyLimit);
  {
    // The n×n kernel of the energy; the classification's dense (nd)² Hessian, its eigenvectors
    // and the projected copy.
    const double nn = static_cast<double>(n), nd = nn * static_cast<double>(d);
    require_memory(8.0 * (4 * nn * nn + (do_classify ? 4 * nd * nd : 0.0)),
                   "stationary on n = " + std::to_string(n) + " tokens in d = " +
                       std::to_string(d) + (do_classify ? " with the Hessian classification" : ""),
                   do_classify ? "--classify no skips the Hessian" : "");
  }

  StationaryOptions options;
  options.tolerance = f.tolerance;
  options.max_iterations = f.max_iterations;
  const auto start = std::chrono::steady_clock::now();
  const double e0 = energy(X0);
  const StationaryResult r = find_stationary(energy, X0, direction, options);
  Classification c;
  if (do_classify) c = classify(energy, r.X);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const std::vector<int> labels = cluster_labels(r.X, f.cluster_threshold);
  const int clusters = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
  std::vector<int> sizes(clusters, 0);
  Eigen::MatrixXd centers = Eigen::MatrixXd::Zero(d, clusters);
  for (Eigen::Index i = 0; i < n; ++i) {
    ++sizes[labels[i]];
    centers.col(labels[i]) += r.X.col(i);
  }
  for (int k = 0; k < clusters; ++k) centers.col(k).normalize();

  // A failed search writes its summary where --json asked (converged: false), never the points.
  OutputTransaction outputs = plan.transaction();
  if (!f.json.empty()) {
    nlohmann::json doc = provenance_json("stationary point summary");
    doc.update(nlohmann::json{{"command", "stationary"},
                          {"n", n},
                          {"d", d},
                          {"direction", f.descent ? "descent" : "ascent"},
                          {"energy_initial", e0},
                          {"energy", r.energy},
                          {"residual", r.residual},
                          {"tolerance", f.tolerance},
                          {"converged", r.converged},
                          {"iterations", r.iterations},
                          {"status", r.status},
                          {"clusters", clusters},
                          {"cluster_threshold", f.cluster_threshold},
                          {"cluster_sizes", sizes},
                          {"wall_seconds", wall}});
    doc["D"] = matrix_json(D);
    doc["d_matrix"] = f.d_matrix.empty() ? "identity" : f.d_matrix;
    doc["x0"] = f.x0;
    nlohmann::json centers_json = nlohmann::json::array();
    for (int k = 0; k < clusters; ++k) {
      centers_json.push_back(std::vector<double>(centers.col(k).data(), centers.col(k).data() + d));
    }
    doc["cluster_centers"] = centers_json;
    if (do_classify) {
      doc["classification"] = {
          {"kind", c.kind},
          {"eigenvalues",
           std::vector<double>(c.eigenvalues.data(), c.eigenvalues.data() + c.eigenvalues.size())},
          {"positive", c.positive},
          {"negative", c.negative},
          {"zero_modes", c.zero_modes},
          {"symmetry_dimension", c.symmetry_dimension}};
    } else {
      doc["classification"] = nullptr;
    }
    write_json(outputs.stage(f.json), doc);
  }
  if (r.converged && !f.out_final.empty()) write_points(outputs.stage(f.out_final), r.X);
  outputs.commit();

  std::cout << std::setprecision(12) << "stationary: n = " << n << ", d = " << d << ", "
            << (f.descent ? "descent" : "ascent") << "\n"
            << "  energy " << e0 << " -> " << r.energy << "\n"
            << std::setprecision(3) << "  residual " << r.residual << " ("
            << (r.converged ? "converged" : "NOT converged") << ", tolerance " << f.tolerance
            << "; " << r.status << ")\n";
  if (do_classify) {
    std::cout << "  Hessian: " << c.kind << " (" << c.positive << " positive, " << c.negative
              << " negative, " << c.zero_modes << " zero; " << c.symmetry_dimension
              << " symmetry directions removed)";
    if (c.eigenvalues.size() > 0) {
      std::cout << ", eigenvalues in [" << c.eigenvalues.minCoeff() << ", "
                << c.eigenvalues.maxCoeff() << "]";
    }
    std::cout << "\n";
  } else {
    if (f.classify == "no") {
      std::cout << "  Hessian: not classified (--classify no)\n";
    } else {
      std::cout << "  Hessian: not classified (n(d-1) = " << n * (d - 1) << " > "
                << kAutoClassifyLimit << "; --classify yes forces it)\n";
    }
  }
  std::cout << "  clusters: " << clusters << " (threshold " << f.cluster_threshold << "), sizes";
  for (int s : sizes) std::cout << " " << s;
  std::cout << "\n  " << std::setprecision(3) << wall << " s\n";
  if (!r.converged) {
    throw Error("stationary: not converged, the residual " + std::to_string(r.residual) +
                " is above --tolerance (" + r.status + ")");
  }
}

}  // namespace

void add_stationary_command(CLI::App& app) {
  auto f = std::make_shared<StationaryFlags>();
  CLI::App* cmd = app.add_subcommand(
      "stationary", "Stationary point of the interaction energy E_D by ascent or descent");
  add_verbosity_flags(*cmd);
  cmd->add_option("--x0", f->x0, "CSV point set: one token per row (the start)")->required();
  cmd->add_option("--d-matrix", f->d_matrix, "CSV symmetric d x d matrix D (default identity)");
  auto* up = cmd->add_flag("--ascent", f->ascent, "maximize E_D (the default)");
  auto* down = cmd->add_flag("--descent", f->descent, "minimize E_D");
  up->excludes(down);
  cmd->add_option("--tolerance", f->tolerance, "on the stationarity residual (default 1e-10)");
  cmd->add_option("--max-iterations", f->max_iterations, "L-BFGS iterations (default 5000)");
  cmd->add_option("--classify", f->classify,
                  "Hessian classification: auto (when n(d-1) <= 2000), yes or no")
      ->check(CLI::IsMember({"auto", "yes", "no"}));
  cmd->add_option("--out-final", f->out_final,
                  "the stationary configuration (.csv), written only if converged");
  cmd->add_option("--json", f->json, "JSON summary (written also when not converged)");
  cmd->add_option("--cluster-threshold", f->cluster_threshold,
                  "tokens i, j are linked when <x_i, x_j> exceeds it");
  cmd->callback([f] { run_stationary(*f); });
}

}  // namespace varsphere::apps
