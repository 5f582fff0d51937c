// The De Giorgi BVP for SA (docs/math.md §3): n = 16 tokens on S^7, T = 2, K ∈ {64, 128, 256, 512},
// between the endpoints of an accurate flow. Targets (issue 4): K = 128 under 2 s on 2 cores,
// time(K = 512)/time(K = 128) ≤ 5, DEL residual ≤ 1e-9. Counters: iterations, the final DEL
// residual and its scale, and the distance of the optimal path to the flow. `init` 0 starts from
// the geodesic interpolation, 1 from the flow itself (the warm start of `compare --init flow`).
// BM_DeGiorgiBvpTokens: K = 64, n = 16..128 tokens in d = 8, and n = 128 in d = 16 (issue 17:
// n = 64 within 3 s and n = 128, d = 16 within 60 s, to |DEL| ≤ 1e-9). Every solve ends with the
// second-order certificate (counters certificate_seconds, certificate_over_solve: target ≤ 1).
#include <benchmark/benchmark.h>

#include <cstdlib>

#include <varsphere/core/allocation_policy.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/functionals/de_giorgi_lagrangian.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/path_comparison.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>

namespace {

using namespace varsphere;

void solve(benchmark::State& state, int K, bool warm, int d, int n) {
  const double T = 2.0;
  Rng rng(5);
  const Eigen::MatrixXd X0 = product::random_point(rng, d, n);
  const AttentionField field = AttentionField::identity(d, {AttentionNormalization::Softmax, 1.0, 1.0});
  FlowOptions flow_options;
  flow_options.scheme = FlowScheme::Dopri5;
  flow_options.rtol = 1e-12;
  flow_options.atol = 1e-13;
  flow_options.dt = T / K;
  const Trajectory flow = integrate(field, X0, 0.0, T, flow_options).trajectory;
  const DeGiorgiLagrangian L = DeGiorgiLagrangian::identity(AttentionNormalization::Softmax, 1.0, d);
  BvpOptions options;
  options.threads = 2;
  options.verbose = std::getenv("BENCH_VERBOSE") != nullptr;
  options.del_tolerance = 1e-9;  // absolute: the solver stops on max_k,i |DEL| ≤ 1e-9 (scale 1)
  if (warm) options.initial_path = flow;
  options.second_order->max_dimension = 0;  // the certificate at every size (measured apart)
  BvpResult result;
  for (auto _ : state) result = solve_bvp(L, X0, flow.frames.back(), T, K, options);
  state.counters["iterations"] = result.iterations;
  state.counters["del_residual"] = result.del_residual_max;
  state.counters["del_scale"] = result.del_residual_scale;
  state.counters["distance_to_flow"] = compare_paths(result.path, flow).sup_distance;
  state.counters["converged"] = result.converged;
  // The second-order certificate (issue 19: its cost at most the solve's).
  if (result.second_order) {
    const double certificate = result.second_order->seconds;
    state.counters["certificate_seconds"] = certificate;
    state.counters["certificate_over_solve"] = certificate / (result.wall_seconds - certificate);
    state.counters["morse_index"] = static_cast<double>(result.second_order->morse_index);
    state.counters["smallest_eigenvalue"] = result.second_order->smallest_eigenvalues.front();
  }
  state.SetLabel(method_label(result) + ": " + result.status);
}

void BM_DeGiorgiBvp(benchmark::State& state) {
  solve(state, static_cast<int>(state.range(0)), state.range(1) != 0, 8, 16);
}

// Research size (issue 17): K = 64 from the geodesic, n tokens in d dimensions.
void BM_DeGiorgiBvpTokens(benchmark::State& state) {
  solve(state, 64, false, static_cast<int>(state.range(1)), static_cast<int>(state.range(0)));
}

}  // namespace

BENCHMARK(BM_DeGiorgiBvpTokens)
    ->Args({16, 8})
    ->Args({32, 8})
    ->Args({64, 8})
    ->Args({128, 8})
    ->Args({128, 16})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
BENCHMARK(BM_DeGiorgiBvp)
    ->ArgsProduct({{64, 128, 256, 512}, {0, 1}})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
// As the `varsphere` command does (core/allocation_policy.hpp).
int main(int argc, char** argv) {
  varsphere::keep_freed_memory_for_reuse();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
