// exp, log and distance on the product (S^{63})^{4096}: the cost per token of the column-wise
// geometry (target from issue 2: report per-token nanoseconds). The counter `time_per_token` is
// wall time per token; `bytes_per_second` counts the two d×n inputs read.
#include <benchmark/benchmark.h>

#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/product.hpp>

namespace {

using namespace varsphere;

struct Inputs {
  Eigen::MatrixXd X, Y, V;
  Inputs(Eigen::Index d, Eigen::Index n) {
    Rng rng(1);
    X = product::random_point(rng, d, n);
    Y = product::random_point(rng, d, n);
    V = product::random_tangent(rng, X);
  }
};

void report(benchmark::State& state, Eigen::Index d, Eigen::Index n) {
  // Inverted rate = seconds per token, printed with an SI prefix (e.g. "52n" = 52 ns).
  state.counters["time_per_token"] =
      benchmark::Counter(static_cast<double>(n) * state.iterations(),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetBytesProcessed(state.iterations() * 2 * d * n * static_cast<int64_t>(sizeof(double)));
}

void BM_ProductExp(benchmark::State& state) {
  const Eigen::Index d = state.range(0), n = state.range(1);
  const Inputs in(d, n);
  Eigen::MatrixXd out(d, n);
  for (auto _ : state) {
    for (Eigen::Index i = 0; i < n; ++i) sphere::exp_into(in.X.col(i), in.V.col(i), out.col(i));
    benchmark::DoNotOptimize(out.data());
  }
  report(state, d, n);
}

void BM_ProductLog(benchmark::State& state) {
  const Eigen::Index d = state.range(0), n = state.range(1);
  const Inputs in(d, n);
  Eigen::MatrixXd out(d, n);
  for (auto _ : state) {
    for (Eigen::Index i = 0; i < n; ++i) sphere::try_log_into(in.X.col(i), in.Y.col(i), out.col(i));
    benchmark::DoNotOptimize(out.data());
  }
  report(state, d, n);
}

void BM_ProductDistance(benchmark::State& state) {
  const Eigen::Index d = state.range(0), n = state.range(1);
  const Inputs in(d, n);
  for (auto _ : state) benchmark::DoNotOptimize(product::distance(in.X, in.Y));
  report(state, d, n);
}

// The allocating convenience API (returns a new d×n matrix) for comparison.
void BM_ProductExpAllocating(benchmark::State& state) {
  const Eigen::Index d = state.range(0), n = state.range(1);
  const Inputs in(d, n);
  for (auto _ : state) benchmark::DoNotOptimize(product::exp(in.X, in.V).data());
  report(state, d, n);
}

}  // namespace

BENCHMARK(BM_ProductExp)->Args({64, 4096})->Args({3, 4096});
BENCHMARK(BM_ProductLog)->Args({64, 4096})->Args({3, 4096});
BENCHMARK(BM_ProductDistance)->Args({64, 4096})->Args({3, 4096});
BENCHMARK(BM_ProductExpAllocating)->Args({64, 4096});
BENCHMARK_MAIN();
