// The in-process C++ cost of one `flow` call as the Python binding makes it (python/flow_bindings.cpp):
// integrate the SA flow (A = V = I, β = 1) of n = 32 tokens in d = 3 to T = 10 with rk4, dt = 0.01,
// then the summary figures (E_β and log E_β of every saved frame, clusters and minimum inner
// product at T). bench/python_flow_overhead.py times varsphere.flow on the same call and prints the
// two side by side: the difference is the binding's overhead.
#include <benchmark/benchmark.h>

#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

namespace {

void flow_call(benchmark::State& state) {
  using namespace varsphere;
  const bool record = state.range(0) != 0;
  Rng rng(1);
  const Configuration X0 = product::random_point(rng, 3, 32);
  const AttentionField field = AttentionField::identity(3, {AttentionNormalization::Softmax, 1.0});
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(3, 3);
  FlowOptions options;
  options.dt = 0.01;
  options.record = record;
  for (auto _ : state) {
    const FlowResult r = integrate(field, X0, 0.0, 10.0, options);
    double sum = 0;
    for (const auto& X : r.trajectory.frames) {
      sum += attention_energy(X, I, 1.0) + attention_log_energy(X, I, 1.0);
    }
    sum += count_clusters(r.final_state) + min_pairwise_inner_product(r.final_state);
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(flow_call)->ArgName("record")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
