// Cost centres of the MDCBS and TLLC runs (no targets in issues 7–8; measured for the notes):
//  * one evaluation of the multi-head energy, gradients, ledger terms and velocity (one pass over
//    the heads), per head-token-pair: the heads-ou run at the paper's size is 4000 steps of
//    H = 100, n = 200, d = 3;
//  * one six-substep splitting step of the continuum Transformer on an N × N grid (O(N³)).
#include <benchmark/benchmark.h>

#include <varsphere/core/random.hpp>
#include <varsphere/functionals/multihead_energy.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/continuum_splitting.hpp>

namespace {

using namespace varsphere;

void BM_MultiHeadEvaluation(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), H = static_cast<int>(state.range(1)), d = 3;
  Rng rng(3);
  const Eigen::MatrixXd X = product::random_point(rng, d, n);
  std::vector<Eigen::MatrixXd> D, step;
  for (int h = 0; h < H; ++h) {
    const Eigen::MatrixXd A = rng.normal_matrix(d, d);
    D.push_back(Eigen::MatrixXd::Identity(d, d) + 0.25 * (A + A.transpose()));
    step.push_back(1e-2 * (A + A.transpose()));
  }
  for (auto _ : state) {
    const MultiHeadEvaluation ev = evaluate_multihead(X, D, -1.0, &step);
    benchmark::DoNotOptimize(ev.energy);
  }
  state.counters["pairs"] =
      benchmark::Counter(double(H) * n * n * state.iterations(), benchmark::Counter::kIsRate);
}

void BM_ContinuumSplittingStep(benchmark::State& state) {
  const Eigen::Index N = state.range(0);
  const ContinuumGrid g = ContinuumGrid::midpoint(N, 1.0, N, 1.0);
  ContinuumLayer layer;
  Eigen::MatrixXd W(N, N);
  for (Eigen::Index a = 0; a < N; ++a)
    for (Eigen::Index b = 0; b < N; ++b) W(a, b) = std::cos(3.0 * (g.y(a) - g.y(b)));
  layer.attention = {W, W, W, std::nullopt, 4};
  layer.W1 = 0.5 * W, layer.W2 = -0.5 * W;
  layer.b1 = layer.b2 = Eigen::MatrixXd::Zero(N, N);
  Rng rng(4);
  const Eigen::MatrixXd u = rng.normal_matrix(N, N);
  for (auto _ : state) benchmark::DoNotOptimize(splitting_step(g, layer, u).data());
}

}  // namespace

BENCHMARK(BM_MultiHeadEvaluation)
    ->Args({200, 1})
    ->Args({200, 10})
    ->Args({200, 100})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ContinuumSplittingStep)->Arg(64)->Arg(128)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
