// Sweeps (docs/sweeps.md): a run is a pure function of (spec, index); its random inputs follow the
// stated laws; the observables are the stated functions of the configuration; the summary is the
// statistics of the rows; the journal round-trips and refuses what is not its own; bad specs are
// refused with one line naming the key.
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/equiangular.hpp>
#include <varsphere/solvers/multihead_flow.hpp>
#include <varsphere/solvers/sweep.hpp>
#include <varsphere/testing/kolmogorov_smirnov.hpp>

using namespace varsphere;
using Eigen::MatrixXd;

namespace {

SweepSpec spec_from(const std::string& text) { return parse_sweep_spec(text, "."); }

const char* kSmall = R"({"grid": {"beta": [0.5, 4]}, "seeds": 6, "seed": 5,
  "flow": {"n": 10, "d": 3, "T": 4, "dt": 0.1},
  "weights": {"A": "goe", "V": "tied"}, "observe": {"frames": 5, "final": true}})";

std::string message_of(const std::string& text) {
  try {
    spec_from(text);
  } catch (const InvalidInput& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("a run depends only on the spec and its index") {
  const SweepSpec spec = spec_from(kSmall);
  REQUIRE(spec.run_count() == 12);
  const SweepRun a = run_sweep_point(spec, 7);
  const SweepRun b = run_sweep_point(spec, 7);
  CHECK(a.grid == 1);
  CHECK(a.seed_index == 1);
  CHECK(a.pair_fraction == b.pair_fraction);
  CHECK(a.energy == b.energy);
  CHECK(a.final_state == b.final_state);
  // Other runs have other draws; the same spec text with another seed changes every run.
  CHECK((draw_sweep_run(spec, 6).X0 - draw_sweep_run(spec, 7).X0).norm() > 0.1);
  const SweepSpec reseeded = spec_from(std::string(kSmall).replace(std::string(kSmall).find("\"seed\": 5"), 9, "\"seed\": 6"));
  CHECK(reseeded.hash != spec.hash);
  CHECK((draw_sweep_run(reseeded, 7).X0 - draw_sweep_run(spec, 7).X0).norm() > 0.1);
  // Results in any order equal results in order (the journal's promise).
  SweepOptions options;
  options.jobs = 3;
  const SweepResults parallel = run_sweep(spec, options);
  REQUIRE(parallel.runs.size() == 12);
  CHECK(parallel.runs[7].energy == a.energy);
}

TEST_CASE("observables at t = 0 are the stated functions of the initial configuration") {
  const SweepSpec spec = spec_from(kSmall);
  for (std::int64_t r : {0, 11}) {
    const SweepDraw draw = draw_sweep_run(spec, r);
    const SweepRun run = run_sweep_point(spec, r);
    const double beta = spec.point(run.grid).beta;
    CHECK(run.pair_fraction[0] == close_pair_fraction(draw.X0, 0.999));
    CHECK(run.clusters[0] == count_clusters(draw.X0, 0.999));
    CHECK(run.energy[0] == doctest::Approx(attention_energy(draw.X0, draw.A, beta, 1)).epsilon(1e-14));
    CHECK(run.min_inner_product[0] == min_pairwise_inner_product(draw.X0));
    // The time to reach k clusters does not increase with k.
    for (std::size_t k = 1; k < run.merge_times.size(); ++k) {
      if (!std::isnan(run.merge_times[k - 1])) CHECK(run.merge_times[k] <= run.merge_times[k - 1]);
    }
  }
}

TEST_CASE("close_pair_fraction counts the pairs above the threshold") {
  // Two clusters of 3 and 4 copies of orthogonal directions: (3 + 6) of 21 pairs are close.
  MatrixXd X(3, 7);
  for (int i = 0; i < 7; ++i) X.col(i) = i < 3 ? Eigen::Vector3d::UnitX() : Eigen::Vector3d::UnitY();
  CHECK(close_pair_fraction(X, 0.999) == doctest::Approx(9.0 / 21.0).epsilon(1e-15));
  CHECK(close_pair_fraction(MatrixXd::Identity(3, 3), 0.999) == 0.0);
  CHECK(close_pair_fraction(X.col(0), 0.999) == 1.0);
}

TEST_CASE("initial conditions and weights follow their laws") {
  SUBCASE("uniform in a cap: angles within it, height uniform on [cos a, 1] for d = 3") {
    const SweepSpec spec = spec_from(R"({"seeds": 1, "flow": {"n": 4000, "d": 3, "T": 1},
      "init": {"kind": "cap", "cap_angle": 0.7}})");
    const MatrixXd X0 = draw_sweep_run(spec, 0).X0;
    CHECK(X0.row(0).minCoeff() >= std::cos(0.7) - 1e-15);
    CHECK((X0.colwise().norm().array() - 1).abs().maxCoeff() <= 1e-14);
    std::vector<double> heights;
    for (Eigen::Index i = 0; i < X0.cols(); ++i) heights.push_back(X0(0, i));
    const double ks = testing::ks_distance_to_density(heights, [](double) { return 1.0; },
                                                      std::cos(0.7), 1.0, 1000);
    MESSAGE("KS distance of the cap heights to the uniform law: " << ks);
    CHECK(ks <= 1.63 / std::sqrt(4000.0));
  }
  SUBCASE("equiangular: all inner products equal rho") {
    const SweepSpec spec = spec_from(R"({"seeds": 2, "flow": {"n": 5, "d": 6, "T": 1},
      "init": {"kind": "equiangular", "rho": 0.3}})");
    const MatrixXd X0 = draw_sweep_run(spec, 1).X0;
    CHECK(equiangular_spread(X0) <= 1e-13);
    CHECK((X0.col(0).dot(X0.col(3))) == doctest::Approx(0.3).epsilon(1e-13));
  }
  SUBCASE("weights: GOE symmetric, Wishart positive semidefinite, signed-normalized of norm 1") {
    const SweepSpec goe = spec_from(R"({"seeds": 3, "flow": {"n": 3, "d": 5, "T": 1},
      "weights": {"A": "goe", "V": "wishart"}})");
    const SweepDraw draw = draw_sweep_run(goe, 2);
    CHECK((draw.A - draw.A.transpose()).norm() == 0.0);
    CHECK(Eigen::SelfAdjointEigenSolver<MatrixXd>(draw.V).eigenvalues().minCoeff() >= -1e-12);
    const SweepSpec normalized = spec_from(R"({"seeds": 3, "flow": {"n": 3, "d": 5, "T": 1},
      "weights": {"A": "signed-normalized"}})");
    const MatrixXd A = draw_sweep_run(normalized, 1).A;
    CHECK(Eigen::JacobiSVD<MatrixXd>(A).singularValues()(0) == doctest::Approx(1.0).epsilon(1e-13));
  }
  SUBCASE("weights drawn per grid point are shared by its runs, per run they are not") {
    const SweepSpec point = spec_from(R"({"seeds": 3, "flow": {"n": 3, "d": 4, "T": 1},
      "weights": {"A": "gaussian", "per": "point"}})");
    CHECK(draw_sweep_run(point, 0).A == draw_sweep_run(point, 2).A);
    const SweepSpec run = spec_from(R"({"seeds": 3, "flow": {"n": 3, "d": 4, "T": 1},
      "weights": {"A": "gaussian"}})");
    CHECK((draw_sweep_run(run, 0).A - draw_sweep_run(run, 2).A).norm() > 0.1);
    // Gaussian G₁G₂/√d: entries of variance 1 (over many draws).
    const SweepSpec many = spec_from(R"({"seeds": 2000, "flow": {"n": 2, "d": 4, "T": 1},
      "weights": {"A": "gaussian"}})");
    double second_moment = 0;
    for (int r = 0; r < 2000; ++r) second_moment += draw_sweep_run(many, r).A.squaredNorm() / 16;
    CHECK(second_moment / 2000 == doctest::Approx(1.0).epsilon(0.05));
  }
}

TEST_CASE("the summary holds the mean, standard error and quantiles of the rows") {
  const SweepSpec spec = spec_from(kSmall);
  const SweepResults results = run_sweep(spec, {});
  const H5Table table = sweep_results_table(results);
  const auto& mean = table.datasets.at("summary/energy/mean").values;
  const auto& se = table.datasets.at("summary/energy/stderr").values;
  const auto& median = table.datasets.at("summary/energy/q50").values;
  REQUIRE(mean.size() == 2 * 5);
  for (int g = 0; g < 2; ++g) {
    for (int f = 0; f < 5; ++f) {
      std::vector<double> x;
      for (int s = 0; s < 6; ++s) x.push_back(results.runs[g * 6 + s].energy[f]);
      double m = 0, v = 0;
      for (double e : x) m += e / 6;
      for (double e : x) v += (e - m) * (e - m) / 5;
      std::sort(x.begin(), x.end());
      CHECK(mean[g * 5 + f] == doctest::Approx(m).epsilon(1e-14));
      CHECK(se[g * 5 + f] == doctest::Approx(std::sqrt(v / 6)).epsilon(1e-12));
      CHECK(median[g * 5 + f] == doctest::Approx(0.5 * (x[2] + x[3])).epsilon(1e-14));
    }
  }
  // The file round-trips.
  const auto path = std::filesystem::temp_directory_path() / "varsphere_test_sweep.h5";
  write_sweep_results(path, results);
  const SweepResults back = read_sweep_results(path);
  REQUIRE(back.runs.size() == results.runs.size());
  CHECK(back.spec.canonical == spec.canonical);
  CHECK(back.runs[5].final_state == results.runs[5].final_state);
  CHECK(back.runs[5].energy == results.runs[5].energy);
  std::filesystem::remove(path);
}

TEST_CASE("the journal keeps runs, drops damaged files and refuses another spec's folder") {
  const SweepSpec spec = spec_from(kSmall);
  const auto folder = std::filesystem::temp_directory_path() / "varsphere_test_journal";
  std::filesystem::remove_all(folder);
  const SweepJournal journal(folder, spec);
  const SweepRun run = run_sweep_point(spec, 3);
  journal.write(run);
  journal.write(run_sweep_point(spec, 4));
  CHECK(journal.read(3).energy == run.energy);
  CHECK(journal.read(3).final_state == run.final_state);
  // A truncated file (as a disk-full write could leave) is dropped, so that run is done again.
  std::filesystem::resize_file(folder / "run-4.bin", 40);
  CHECK(journal.finished() == std::vector<std::int64_t>{3});
  SweepOptions options;
  options.journal = folder;
  CHECK(pending_runs(spec, options).size() == 11);
  const SweepSpec other = spec_from(R"({"seeds": 2, "flow": {"n": 4, "T": 1}})");
  CHECK_THROWS_WITH_AS(SweepJournal(folder, other), doctest::Contains("belongs to another spec"),
                       InvalidInput);
  journal.remove();
  CHECK_FALSE(std::filesystem::exists(folder));
}

TEST_CASE("bad specs are refused with one line naming the key") {
  CHECK(message_of("{") .find("not valid JSON") != std::string::npos);
  CHECK(message_of(R"({"grid": {"betta": [1]}})").find("unknown parameter 'grid.betta'") != std::string::npos);
  CHECK(message_of(R"({"flow": {"model": "xa"}})").find("model must be sa, usa or multihead") != std::string::npos);
  CHECK(message_of(R"({"grid": {"beta": [1, -2]}})").find("grid point 1): beta must be >= 0") != std::string::npos);
  CHECK(message_of(R"({"seeds": 0})").find("seeds must be an integer >= 1") != std::string::npos);
  CHECK(message_of(R"({"flow": {"T": 1, "dt": 0.3}, "observe": {"times": [0.3]}})")
            .find("is not a step time") != std::string::npos);
  CHECK(message_of(R"({"flow": {"T": 1, "scheme": "dopri5"}, "observe": {"times": [0.5, 2]}})")
            .find("after T") != std::string::npos);
  CHECK(message_of(R"({"flow": {"n": 5, "d": 3}, "init": {"kind": "equiangular"}})")
            .find("need n <= d") != std::string::npos);
  CHECK(message_of(R"({"flow": {"n": "many"}})").find("flow.n must be a finite number") != std::string::npos);
  CHECK(message_of(R"({"weights": {"A": "orthogonal"}})").find("weights.A must be") != std::string::npos);
  CHECK_THROWS_AS(spec_from(R"({"init": {"kind": "file", "file": "/nonexistent/x.csv"}})"), IoError);
  CHECK(message_of(R"({"extra": 1})").find("unknown key 'extra'") != std::string::npos);
}

TEST_CASE("offset seeds replay a script seeded 1000, 1001, ...; anisotropic weights are diag(1, delta)") {
  const SweepSpec spec = spec_from(R"({"grid": {"delta": [0.5, 1.5]}, "seeds": 3, "seed": 1000,
    "seed_derivation": "offset", "flow": {"model": "usa", "n": 6, "d": 2, "T": 1},
    "weights": {"A": "anisotropic", "V": "tied"}})");
  for (std::int64_t r = 0; r < spec.run_count(); ++r) {
    Rng rng(1000 + static_cast<std::uint64_t>(r % 3));
    const SweepDraw draw = draw_sweep_run(spec, r);
    CHECK(draw.X0 == product::random_point(rng, 2, 6));
    MatrixXd D = MatrixXd::Identity(2, 2);
    D(1, 1) = r < 3 ? 0.5 : 1.5;
    CHECK(draw.A == D);
    CHECK(draw.V == D);
  }
  CHECK(message_of(R"({"seed_derivation": "random"})").find("seed_derivation must be hash or offset") !=
        std::string::npos);
}

TEST_CASE("multihead runs are MDCBS's coupled flow: the sweep's rows are the ledger's") {
  const SweepSpec spec = spec_from(R"({"grid": {"heads": [1, 4]}, "seeds": 2, "seed": 600,
    "seed_derivation": "offset", "flow": {"model": "multihead", "d": 3, "n": 9, "T": 1,
    "dt": 0.05, "scheme": "euler-renormalize", "sign": "descent"}, "init": {"kind": "clustered"},
    "weights": {"weight_process": "ornstein-uhlenbeck", "weight_sigma": 1.4, "process_seed": 500},
    "observe": {"frames": 11}})");
  CHECK(spec.has_multihead());
  const SweepRun run = run_sweep_point(spec, 3);  // H = 4, seed index 1
  MultiHeadOptions o;
  o.dt = 0.05;
  o.seed = 501;
  o.record_every = 2;
  const MultiHeadResult direct =
      simulate_multihead(clustered_start(3, 9, 601),
                         std::vector<MatrixXd>(4, MatrixXd::Identity(3, 3)),
                         WeightProcess::ornstein_uhlenbeck(1.4), 1.0, o);
  REQUIRE(run.metric_slope.size() == 11);
  REQUIRE(direct.ledger.t.size() == 11);
  for (std::size_t k = 0; k < 11; ++k) {
    CHECK(run.metric_slope[k] == direct.ledger.metric_slope[k]);
    CHECK(run.energy[k] == direct.ledger.energy[k]);
  }
  CHECK(message_of(R"({"flow": {"model": "multihead"}})").find("multihead runs take scheme euler-renormalize") !=
        std::string::npos);
}
