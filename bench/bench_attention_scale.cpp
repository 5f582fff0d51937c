// Large n (issue 17): the SA field at n = 65536 and n = 10⁵ tokens in d = 16, where memory and the
// exponential's throughput, not GEMM, are the limits.
//  * BM_FieldLarge/n/d/threads: one evaluation; counters `exps` (n² exponentials per second) and
//    `peak_rss_MiB` (getrusage, whole process: the n×n dense route would need 32 GiB at n = 65536).
//  * BM_Rk4StepLarge/n/d: one RK4 step of the flow (4 evaluations), all cores.
//  * BM_Exp: the machine's exponential throughput with the same vectorized exp (Eigen's packet
//    exp on 256 contiguous doubles, the key-tile length), one thread.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

namespace {

using namespace varsphere;

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void BM_FieldLarge(benchmark::State& state) {
  const Eigen::Index n = state.range(0), d = state.range(1);
  AttentionOptions options;
  options.threads = static_cast<int>(state.range(2));
  Rng rng(3);
  const Eigen::MatrixXd X = product::random_point(rng, d, n);
  const AttentionField field = AttentionField::identity(d, options);
  AttentionWorkspace ws;
  Eigen::MatrixXd F(d, n);
  for (auto _ : state) {
    field.velocity(0.0, X, F, ws);
    benchmark::DoNotOptimize(F.data());
  }
  state.counters["exps"] = benchmark::Counter(static_cast<double>(n) * n * state.iterations(),
                                              benchmark::Counter::kIsRate);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

void BM_Rk4StepLarge(benchmark::State& state) {
  const Eigen::Index n = state.range(0), d = state.range(1);
  Rng rng(4);
  const Eigen::MatrixXd X = product::random_point(rng, d, n);
  const AttentionField field = AttentionField::identity(d, {});
  FlowOptions options;
  options.scheme = FlowScheme::RK4;
  options.dt = 0.1;
  options.record = false;
  for (auto _ : state) {
    const FlowResult r = integrate(field, X, 0.0, 0.1, options);
    benchmark::DoNotOptimize(r.final_state.data());
  }
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

void BM_Exp(benchmark::State& state) {
  Eigen::ArrayXd a = Eigen::ArrayXd::LinSpaced(256, -30.0, 0.0), b(256);
  for (auto _ : state) {
    b = a.exp();
    benchmark::DoNotOptimize(b.data());
    a(0) = b(255) - 31.0;  // a dependency, so the loop is not hoisted
  }
  state.counters["exps"] =
      benchmark::Counter(256.0 * state.iterations(), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_Exp);
BENCHMARK(BM_FieldLarge)
    ->Args({65536, 16, 1})
    ->Args({65536, 16, 2})
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK(BM_Rk4StepLarge)
    ->Args({100000, 16})
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_MAIN();
