#include "attention_flags.hpp"

#include <cmath>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/memory_budget.hpp>
#include <varsphere/functionals/attention_field.hpp>

namespace varsphere::apps {

void AttentionFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--model", model, "attention weights: sa (softmax) or usa (unnormalized)")
      ->check(CLI::IsMember({"sa", "usa"}));
  cmd.add_option("--beta", beta, "inverse temperature beta >= 0");
  cmd.add_option("--qk", qk, "CSV d x d matrix A = Q^T K in <x_i, A x_j> (default identity)");
  cmd.add_option("--v", v, "CSV d x d value matrix V (default identity)");
  cmd.add_option("--norm", norm, "layer normalization: post or pre")
      ->check(CLI::IsMember({"post", "pre"}));
  cmd.add_option("--sign", sign, "ascent (the Transformer flow) or descent (reversed)")
      ->check(CLI::IsMember({"ascent", "descent"}));
}

AttentionNormalization AttentionFlags::normalization() const {
  return model == "usa" ? AttentionNormalization::Unnormalized : AttentionNormalization::Softmax;
}

LayerNormPlacement AttentionFlags::placement() const {
  return norm == "pre" ? LayerNormPlacement::Pre : LayerNormPlacement::Post;
}

AttentionModel AttentionFlags::load(Eigen::Index d, Eigen::Index n) const {
  if (!std::isfinite(beta) || beta < 0) {
    throw InvalidInput("--beta must be finite and >= 0, got " + std::to_string(beta));
  }
  // The field forms the n×n scores and the diagnostics two n×n kernels; A and V are d×d.
  const double nd = static_cast<double>(n), dd = static_cast<double>(d);
  require_memory(8.0 * (4 * nd * nd + 3 * dd * dd + 8 * nd * dd),
                 "attention on n = " + std::to_string(n) + " tokens in d = " + std::to_string(d));
  Eigen::MatrixXd A = qk.empty() ? Eigen::MatrixXd::Identity(d, d) : read_square_matrix(qk, d);
  Eigen::MatrixXd V = v.empty() ? Eigen::MatrixXd::Identity(d, d) : read_square_matrix(v, d);
  AttentionField field(d, {{A, V}}, {normalization(), beta, sign == "descent" ? -1.0 : 1.0});
  return {std::move(A), std::move(V), std::move(field)};
}

}  // namespace varsphere::apps

namespace varsphere::apps {

void AttentionFlags::declare_inputs(OutputPlan& plan) const {
  plan.input(qk, "--qk").input(v, "--v");
}

}  // namespace varsphere::apps
