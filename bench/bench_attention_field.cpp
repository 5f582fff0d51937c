// Cost centre of the flows: one evaluation of the SA field (O(n²d)). Target (issue 3): at n = 4096,
// d = 64 the evaluation runs at >= 50% of the machine's matrix-multiply throughput counting
// 4n²d flops (the score product XᵀX and the weighted sum X Wᵀ), exponentials included.
// `BM_Gemm` measures that throughput in the same binary: the same two products with Eigen.
// Counter `flops`: 4n²d per iteration (nominal for the field, which with symmetric A does less).
#include <benchmark/benchmark.h>

#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>

namespace {

using namespace varsphere;

void set_flops(benchmark::State& state, Eigen::Index n, Eigen::Index d) {
  state.counters["flops"] =
      benchmark::Counter(4.0 * n * n * d * state.iterations(), benchmark::Counter::kIsRate);
}

void BM_Gemm(benchmark::State& state) {
  const Eigen::Index n = state.range(0), d = state.range(1);
  Rng rng(1);
  const Eigen::MatrixXd X = product::random_point(rng, d, n);
  Eigen::MatrixXd S(n, n), Y(d, n);
  for (auto _ : state) {
    S.noalias() = X.transpose() * X;
    Y.noalias() = X * S;
    benchmark::DoNotOptimize(Y.data());
  }
  set_flops(state, n, d);
}

void BM_SoftmaxAttention(benchmark::State& state) {
  const Eigen::Index n = state.range(0), d = state.range(1);
  const bool symmetric = state.range(2) != 0;
  Rng rng(2);
  const Eigen::MatrixXd X = product::random_point(rng, d, n);
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(d, d);
  // A general (non-symmetric) A takes the full-matrix path; I takes the symmetric one.
  const Eigen::MatrixXd A = symmetric ? I : (I + 0.01 * rng.normal_matrix(d, d)).eval();
  const AttentionField field(d, {{A, I}}, {AttentionNormalization::Softmax, 1.0, 1.0});
  AttentionWorkspace ws;
  Eigen::MatrixXd V(d, n);
  field.velocity(0.0, X, V, ws);  // size the workspace outside the timed loop
  for (auto _ : state) {
    field.velocity(0.0, X, V, ws);
    benchmark::DoNotOptimize(V.data());
  }
  set_flops(state, n, d);
}

}  // namespace

BENCHMARK(BM_Gemm)
    ->Args({256, 64})
    ->Args({1024, 64})
    ->Args({4096, 64})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SoftmaxAttention)
    ->Args({256, 64, 1})
    ->Args({1024, 64, 1})
    ->Args({4096, 64, 1})
    ->Args({4096, 64, 0})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
