// Cost centre of the flows: one evaluation of the SA field (O(n²d)), against the machine's best
// matrix-multiply rate measured in the same binary (issue 17). Counter `flops`: 4n²d per
// iteration for every benchmark here — the score product (2n²d) and the weighted sum (2n²d) —
// whatever the kernel actually does (exponentials come on top).
//
//  * BM_EigenGemm/n/d/threads: the two products with Eigen built for this processor, threads
//    sharing the columns (Eigen's own OpenMP is off in varsphere builds).
//  * BM_OpenBlasGemm/n/d/threads: the same products with OpenBLAS (Debian's pthread build) when
//    it was found at configure time.
//  * BM_Field/n/d/kernel/threads/precision: AttentionField::velocity, kernel 0 = tiled,
//    1 = dense (the n×n oracle), precision 0 = double, 1 = single.
#include <benchmark/benchmark.h>

#include <omp.h>

#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>

#ifdef VARSPHERE_BENCH_OPENBLAS
#include <cblas.h>
extern "C" void openblas_set_num_threads(int);
#endif

namespace {

using namespace varsphere;

void set_flops(benchmark::State& state, Eigen::Index n, Eigen::Index d) {
  state.counters["flops"] =
      benchmark::Counter(4.0 * n * n * d * state.iterations(), benchmark::Counter::kIsRate);
}

void BM_EigenGemm(benchmark::State& state) {
  const Eigen::Index n = state.range(0), d = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  Rng rng(1);
  const Eigen::MatrixXd X = product::random_point(rng, d, n);
  Eigen::MatrixXd S(n, n), Y(d, n);
  for (auto _ : state) {
    // Each thread owns a block of columns of S and Y (S = XᵀX, Y = X S).
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int t = 0; t < threads; ++t) {
      const Eigen::Index c0 = n * t / threads, c1 = n * (t + 1) / threads;
      S.middleCols(c0, c1 - c0).noalias() = X.transpose() * X.middleCols(c0, c1 - c0);
      Y.middleCols(c0, c1 - c0).noalias() = X * S.middleCols(c0, c1 - c0);
    }
    benchmark::DoNotOptimize(Y.data());
  }
  set_flops(state, n, d);
}

#ifdef VARSPHERE_BENCH_OPENBLAS
void BM_OpenBlasGemm(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), d = static_cast<int>(state.range(1));
  openblas_set_num_threads(static_cast<int>(state.range(2)));
  Rng rng(1);
  const Eigen::MatrixXd X = product::random_point(rng, d, n);
  Eigen::MatrixXd S(n, n), Y(d, n);
  for (auto _ : state) {
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, n, n, d, 1.0, X.data(), d, X.data(), d,
                0.0, S.data(), n);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, n, n, 1.0, X.data(), d, S.data(), n,
                0.0, Y.data(), d);
    benchmark::DoNotOptimize(Y.data());
  }
  set_flops(state, n, d);
}
#endif

void BM_Field(benchmark::State& state) {
  const Eigen::Index n = state.range(0), d = state.range(1);
  AttentionOptions options;
  options.kernel = state.range(2) == 0 ? AttentionKernel::Tiled : AttentionKernel::Dense;
  options.threads = static_cast<int>(state.range(3));
  options.precision = state.range(4) == 0 ? Precision::Double : Precision::Single;
  Rng rng(2);
  const Eigen::MatrixXd X = product::random_point(rng, d, n);
  const AttentionField field = AttentionField::identity(d, options);
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

BENCHMARK(BM_EigenGemm)
    ->ArgsProduct({{1024, 4096}, {64}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
#ifdef VARSPHERE_BENCH_OPENBLAS
BENCHMARK(BM_OpenBlasGemm)
    ->ArgsProduct({{1024, 4096}, {64}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
#endif
BENCHMARK(BM_Field)
    ->Args({1024, 64, 0, 1, 0})
    ->Args({1024, 64, 0, 2, 0})
    ->Args({1024, 64, 1, 1, 0})
    ->Args({4096, 64, 0, 1, 0})
    ->Args({4096, 64, 0, 2, 0})
    ->Args({4096, 64, 1, 1, 0})
    ->Args({4096, 64, 0, 1, 1})
    ->Args({4096, 64, 0, 2, 1})
    ->Args({16384, 16, 0, 2, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_MAIN();
