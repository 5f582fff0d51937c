// Fitting attention flows (issue 19): d = 16, n = 32 tokens, 48 layers (observations every 0.1 on
// [0, 4.8]), 8 sequences of a random single-head SA flow with full A and V (512 parameters), fitted
// from the identity with the path-optimality loss and with trajectory matching (which starts from
// the path-optimality fit; its stages are capped at `max_iterations` iterations each, state.range(1)).
// Counters: iterations, final cost, parameter error, R².
#include <benchmark/benchmark.h>

#include <cmath>
#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/attention_fit.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

namespace {

using namespace varsphere;

void fit(benchmark::State& state) {
  const bool matching = state.range(0) != 0;
  const int d = 16, n = 32, layers = 48, sequences = 8;
  Rng rng(19);
  const std::vector<AttentionHead> truth{
      {Eigen::MatrixXd::Identity(d, d) + rng.normal_matrix(d, d) / std::sqrt(double(d)),
       Eigen::MatrixXd::Identity(d, d) + 0.5 * rng.normal_matrix(d, d) / std::sqrt(double(d))}};
  const AttentionField field(d, truth, {AttentionNormalization::Softmax, 1.0});
  std::vector<Trajectory> paths;
  for (int s = 0; s < sequences; ++s) {
    paths.push_back(flow_on_grid(field, product::random_point(rng, d, n), 0.1 * layers, layers, 1e-10, 1e-12));
  }
  AttentionFamily family;
  family.d = d;
  FitOptions options;
  options.threads = 2;
  options.loss = matching ? FitLoss::TrajectoryMatching : FitLoss::PathOptimality;
  options.max_step = 0.1;
  options.time_windows = false;
  options.max_iterations = static_cast<int>(state.range(1));
  options.standard_errors = true;
  AttentionFit result;
  for (auto _ : state) result = fit_attention(paths, family, options);
  const Eigen::VectorXd exact = family.parameters_of(truth);
  state.counters["iterations"] = result.iterations;
  state.counters["cost"] = result.cost;
  state.counters["parameter_error"] = (result.theta - exact).cwiseAbs().maxCoeff();
  state.counters["r_squared"] = result.r_squared;
  state.SetLabel(to_string(result.outcome) + ": " + result.status);
}

}  // namespace

BENCHMARK(fit)->Args({0, 100})->Args({1, 5})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_MAIN();
