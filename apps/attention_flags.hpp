// The attention flags shared by `flow`, `bvp` and `compare` (README.md, "Command line"):
// --model sa|usa, --beta, --qk A.csv, --v V.csv, --norm post|pre, --sign ascent|descent, and the
// score biases --mask none|causal|strict-causal, --alibi LAMBDA, --bias B.csv (§2.5), and how the
// field is computed: --threads N (0: all cores; the result does not depend on it), --precision
// double|single, --kernel tiled|dense.
#pragma once

#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <string>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

#include "output_plan.hpp"

namespace varsphere::apps {

/// The matrices named by --qk/--v (read once) and the field they define.
struct AttentionModel {
  Eigen::MatrixXd A;  ///< interaction matrix of the scores and of the energy E_β
  Eigen::MatrixXd V;  ///< value matrix
  AttentionField field;
};

struct AttentionFlags {
  std::string model = "sa";
  double beta = 1.0;
  std::string qk;  // empty: identity
  std::string v;   // empty: identity
  std::string norm = "post";
  std::string sign = "ascent";
  double ngpt_alpha = 0.2;
  int sinkhorn_iterations = 100;
  double sinkhorn_tolerance = 1e-12;
  std::string mask = "none";
  double alibi = 0.0;
  std::string bias;  // empty: none
  int threads = 0;   // 0: all cores
  std::string precision = "double";
  std::string kernel = "tiled";

  /// Registers the flags on a subcommand.
  void add_to(CLI::App& cmd);
  /// Reads --qk/--v for n tokens of dimension d (identity by default) and builds the field.
  /// Throws InvalidInput/IoError naming the flag and file on bad input, ResourceLimit when the
  /// n×n scores and d×d matrices would not fit in memory.
  AttentionModel load(Eigen::Index d, Eigen::Index n) const;
  /// Registers --qk and --v as inputs, which no output may overwrite.
  void declare_inputs(OutputPlan& plan) const;
  LayerNormPlacement placement() const;
  AttentionNormalization normalization() const;
  /// True when --mask, --alibi or --bias is given.
  bool biased() const { return mask != "none" || alibi != 0.0 || !bias.empty(); }
};

}  // namespace varsphere::apps
