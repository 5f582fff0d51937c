#include "attention_flags.hpp"

#include <varsphere/core/thread_count.hpp>

#include <cmath>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/memory_budget.hpp>
#include <varsphere/functionals/attention_field.hpp>

namespace varsphere::apps {

void AttentionFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--model", model,
                 "attention weights: sa (softmax), usa (unnormalized), sinkhorn (doubly "
                 "stochastic) or hardmax (beta -> infinity)")
      ->check(CLI::IsMember({"sa", "usa", "sinkhorn", "hardmax"}));
  cmd.add_option("--sinkhorn-iterations", sinkhorn_iterations,
                 "sinkhorn: at most this many row/column scalings (1 = softmax)");
  cmd.add_option("--sinkhorn-tolerance", sinkhorn_tolerance,
                 "sinkhorn: stop when a row scaling changes sum |du| by less (0: all iterations)");
  cmd.add_option("--beta", beta, "inverse temperature beta >= 0");
  cmd.add_option("--qk", qk, "CSV d x d matrix A = Q^T K in <x_i, A x_j> (default identity)");
  cmd.add_option("--v", v, "CSV d x d value matrix V (default identity)");
  cmd.add_option("--norm", norm, "normalization placement: post, pre, peri or ngpt")
      ->check(CLI::IsMember({"post", "pre", "peri", "ngpt"}));
  cmd.add_option("--ngpt-alpha", ngpt_alpha, "alpha of the ngpt placement (> 0)");
  cmd.add_option("--sign", sign, "ascent (the Transformer flow) or descent (reversed)")
      ->check(CLI::IsMember({"ascent", "descent"}));
  cmd.add_option("--mask", mask, "attention mask: none, causal (j <= i) or strict-causal (j < i)")
      ->check(CLI::IsMember({"none", "causal", "strict-causal"}));
  cmd.add_option("--alibi", alibi, "ALiBi slope lambda >= 0: scores get -lambda |i - j| / n");
  cmd.add_option("--bias", bias,
                 "CSV n x n score bias b_ij added to beta <x_i, A x_j> (finite; token order = rows "
                 "of --x0)");
  cmd.add_option("--threads", threads,
                 "threads (0: all cores); results are the same for every count");
  cmd.add_option("--precision", precision,
                 "arithmetic of the attention tiles: double (the reference) or single (float32)")
      ->check(CLI::IsMember({"double", "single"}));
  cmd.add_option("--kernel", kernel,
                 "attention kernel: tiled (O(nd) memory, threaded) or dense (the n x n oracle)")
      ->check(CLI::IsMember({"tiled", "dense"}));
}

AttentionNormalization AttentionFlags::normalization() const {
  if (model == "usa") return AttentionNormalization::Unnormalized;
  if (model == "sinkhorn") return AttentionNormalization::Sinkhorn;
  if (model == "hardmax") return AttentionNormalization::Hardmax;
  return AttentionNormalization::Softmax;
}

LayerNormPlacement AttentionFlags::placement() const {
  return parse_layer_norm(norm);
}

AttentionModel AttentionFlags::load(Eigen::Index d, Eigen::Index n) const {
  if (!std::isfinite(beta) || beta < 0) {
    throw InvalidInput("--beta must be finite and >= 0, got " + std::to_string(beta));
  }
  if (threads < 0) throw InvalidInput("--threads must be >= 0 (0: all cores)");
  const Precision arithmetic = parse_precision(precision);
  const AttentionKernel route = parse_attention_kernel(kernel);
  if (arithmetic == Precision::Single && route == AttentionKernel::Dense) {
    throw InvalidInput("--precision single needs --kernel tiled");
  }
  // The tiled kernel needs O(nd) (plus a tile per thread); the dense route, Sinkhorn and hardmax
  // form n×n matrices, and so does a --bias matrix. A and V are d×d.
  const double nd = static_cast<double>(n), dd = static_cast<double>(d);
  const bool square = route == AttentionKernel::Dense || !bias.empty() ||
                      normalization() == AttentionNormalization::Sinkhorn ||
                      normalization() == AttentionNormalization::Hardmax;
  require_memory(8.0 * ((square ? 4 * nd * nd : 0.0) + 3 * dd * dd + 8 * nd * dd +
                        2.0 * kQueryTile * kKeyTile * resolve_thread_count(threads)),
                 "attention on n = " + std::to_string(n) + " tokens in d = " + std::to_string(d));
  Eigen::MatrixXd A = qk.empty() ? Eigen::MatrixXd::Identity(d, d) : read_square_matrix(qk, d);
  Eigen::MatrixXd V = v.empty() ? Eigen::MatrixXd::Identity(d, d) : read_square_matrix(v, d);
  ScoreBias score_bias{parse_attention_mask(mask), alibi, {}};
  if (!bias.empty()) score_bias.matrix = read_csv_matrix(bias);
  try {
    score_bias.check(n);
  } catch (const InvalidInput& e) {
    throw InvalidInput(std::string(bias.empty() ? "--alibi" : "--bias " + bias) + ": " + e.what());
  }
  SinkhornOptions sinkhorn{sinkhorn_iterations, sinkhorn_tolerance};
  AttentionField field(d, {{A, V}},
                       {normalization(), beta, sign == "descent" ? -1.0 : 1.0, score_bias, sinkhorn,
                        route, threads, arithmetic});
  return {std::move(A), std::move(V), std::move(field)};
}

}  // namespace varsphere::apps

namespace varsphere::apps {

void AttentionFlags::declare_inputs(OutputPlan& plan) const {
  plan.input(qk, "--qk").input(v, "--v").input(bias, "--bias");
}

}  // namespace varsphere::apps
