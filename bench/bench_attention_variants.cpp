// The attention models of current research against the plain SA field, one field evaluation each
// (issue 16 targets): a causal mask should cost <= 0.6x the full field at n = 4096, d = 64 (it
// forms only the j <= i half of the scores and exponentials), and Sinkhorn attention with its
// default tolerance <= 10x one softmax evaluation. Counter `iterations` reports how many Sinkhorn
// scalings the default tolerance took.
#include <benchmark/benchmark.h>

#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>

namespace {

using namespace varsphere;

// kind: 0 full softmax, 1 causal softmax, 2 Sinkhorn (default tolerance), 3 hardmax.
void BM_AttentionVariant(benchmark::State& state) {
  const Eigen::Index n = state.range(0), d = state.range(1);
  const int kind = static_cast<int>(state.range(2));
  Rng rng(3);
  const Eigen::MatrixXd X = product::random_point(rng, d, n);
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(d, d);
  // A general A: every variant takes the full-matrix path of the field.
  const Eigen::MatrixXd A = (I + 0.1 * rng.normal_matrix(d, d)).eval();
  AttentionOptions o{AttentionNormalization::Softmax, 1.0, 1.0};
  if (kind == 1) o.bias.mask = AttentionMask::Causal;
  if (kind == 2) o.normalization = AttentionNormalization::Sinkhorn;
  if (kind == 3) o.normalization = AttentionNormalization::Hardmax;
  const AttentionField field(d, {{A, I}}, o);
  AttentionWorkspace ws;
  Eigen::MatrixXd V(d, n);
  field.velocity(0.0, X, V, ws);
  for (auto _ : state) {
    field.velocity(0.0, X, V, ws);
    benchmark::DoNotOptimize(V.data());
  }
  if (kind == 2) {
    Eigen::MatrixXd L = o.beta * ((A * X).transpose() * X);
    state.counters["iterations"] = sinkhorn_weights(L, o.sinkhorn);
  }
}

}  // namespace

BENCHMARK(BM_AttentionVariant)
    ->ArgNames({"n", "d", "kind"})
    ->Args({4096, 64, 0})
    ->Args({4096, 64, 1})
    ->Args({1024, 64, 0})
    ->Args({1024, 64, 2})
    ->Args({1024, 64, 3})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
