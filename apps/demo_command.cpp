// `varsphere demo`: draws two random configurations on (S^{d-1})^n from a seed and reports the
// geometric identities the library guarantees (exp∘log, transport isometry, geodesic midpoint),
// optionally writing the configurations as CSV.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/memory_budget.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/core/configuration.hpp>

#include "commands.hpp"
#include "output_plan.hpp"
#include "seed_option.hpp"
#include "verbosity_flags.hpp"

namespace varsphere::apps {

namespace {

struct DemoOptions {
  int d = 3;
  int n = 8;
  std::uint64_t seed = 1;
  std::string out;
};

void run_demo(const DemoOptions& o) {
  if (o.d < 2) {
    throw InvalidInput("--d: d = " + std::to_string(o.d) + " but the sphere S^{d-1} needs d >= 2");
  }
  if (o.n < 1) throw InvalidInput("--n: need at least one token");
  const std::vector<std::string> files = {"x0.csv", "x1.csv", "geodesic_midpoint.csv"};
  OutputPlan plan;
  plan.folder(o.out, "--out", files).check();
  // Six d×n matrices (two configurations, log, a tangent vector, its transport, the midpoint).
  require_memory(6 * 8.0 * o.d * o.n,
                 "--d " + std::to_string(o.d) + " --n " + std::to_string(o.n) + ": the demo");
  Rng rng(o.seed);
  const Configuration X0 = product::random_point(rng, o.d, o.n);
  const Configuration X1 = product::random_point(rng, o.d, o.n);
  const Eigen::MatrixXd L = product::log(X0, X1);
  const Eigen::MatrixXd U = product::random_tangent(rng, X0);
  const Eigen::MatrixXd TU = product::transport(X0, X1, U);
  const Configuration mid = product::geodesic(X0, X1, 0.5);

  std::cout << std::setprecision(6) << "varsphere geometry demo on (S^" << o.d - 1 << ")^" << o.n
            << ", seed " << o.seed << "\n"
            << "  product distance d(X0, X1)            " << product::distance(X0, X1) << "\n"
            << "  max token distance                    "
            << product::token_distances(X0, X1).maxCoeff() << "\n"
            << "  |exp_X0(log_X0 X1) - X1|              " << (product::exp(X0, L) - X1).norm()
            << "\n"
            << "  | |transport(U)| - |U| |              " << std::abs(TU.norm() - U.norm()) << "\n"
            << "  d(X0, mid) - d(X1, mid)               "
            << product::distance(X0, mid) - product::distance(X1, mid) << "\n";
  if (!o.out.empty()) {
    const std::filesystem::path dir(o.out);
    OutputTransaction tx = plan.transaction();
    write_points(tx.stage(dir / files[0]), X0);
    write_points(tx.stage(dir / files[1]), X1);
    write_points(tx.stage(dir / files[2]), mid);
    tx.commit();
    std::cout << "  wrote x0.csv, x1.csv, geodesic_midpoint.csv to " << dir.string() << "\n";
  }
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto opts = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand("demo", "Tour of the sphere geometry on random tokens");
  add_verbosity_flags(*cmd);
  cmd->add_option("--d", opts->d, "ambient dimension d (tokens on S^{d-1})");
  cmd->add_option("--n", opts->n, "number of tokens");
  add_seed_option(*cmd, opts->seed);
  cmd->add_option("--out", opts->out, "folder for x0.csv, x1.csv, geodesic_midpoint.csv");
  cmd->callback([opts] { run_demo(*opts); });
}

}  // namespace varsphere::apps
