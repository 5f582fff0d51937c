#include <varsphere/functionals/score_bias.hpp>

#include <varsphere/core/error.hpp>

namespace varsphere {

AttentionMask parse_attention_mask(const std::string& name) {
  if (name == "none") return AttentionMask::None;
  if (name == "causal") return AttentionMask::Causal;
  if (name == "strict-causal") return AttentionMask::StrictCausal;
  throw InvalidInput("unknown attention mask '" + name + "' (none, causal, strict-causal)");
}

std::string to_string(AttentionMask mask) {
  switch (mask) {
    case AttentionMask::Causal: return "causal";
    case AttentionMask::StrictCausal: return "strict-causal";
    case AttentionMask::None: break;
  }
  return "none";
}

void throw_no_keys(Eigen::Index i) {
  throw InvalidInput("attention field: token " + std::to_string(i + 1) +
                     " attends to no token (every weight of its row is masked)");
}

void ScoreBias::check_values() const {
  if (!std::isfinite(alibi) || alibi < 0) {
    throw InvalidInput("attention bias: the ALiBi slope must be finite and >= 0, got " +
                       std::to_string(alibi));
  }
  for (Eigen::Index j = 0; j < matrix.cols(); ++j) {
    for (Eigen::Index i = 0; i < matrix.rows(); ++i) {
      const double b = matrix(i, j);
      if (std::isnan(b) || b == std::numeric_limits<double>::infinity()) {
        throw InvalidInput("attention bias: entry (" + std::to_string(i + 1) + ", " +
                           std::to_string(j + 1) + ") is " + std::to_string(b) +
                           " (entries must be finite or -inf)");
      }
    }
  }
}

std::function<Eigen::MatrixXd(double)> ScoreBias::pairwise(
    std::function<double(Eigen::Index, Eigen::Index, double)> b, Eigen::Index n) {
  return [b = std::move(b), n](double t) {
    Eigen::MatrixXd M(n, n);
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = 0; i < n; ++i) M(i, j) = b(i, j, t);
    return M;
  };
}

ScoreBias ScoreBias::at(double t) const {
  ScoreBias out{mask, alibi, matrix, {}};
  if (!schedule) return out;
  const Eigen::MatrixXd b = schedule(t);
  if (out.matrix.size() == 0) {
    out.matrix = b;
  } else {
    if (b.rows() != out.matrix.rows() || b.cols() != out.matrix.cols()) {
      throw InvalidInput("attention bias: the bias schedule returned a " + std::to_string(b.rows()) +
                         "x" + std::to_string(b.cols()) + " matrix, the bias matrix is " +
                         std::to_string(out.matrix.rows()) + "x" + std::to_string(out.matrix.cols()));
    }
    out.matrix += b;
  }
  out.check_values();
  return out;
}

void ScoreBias::check(Eigen::Index n) const {
  check_values();
  check_size(n);
}

void ScoreBias::check_size(Eigen::Index n) const {
  if (matrix.size() != 0 && (matrix.rows() != n || matrix.cols() != n)) {
    throw InvalidInput("attention bias: the bias matrix is " + std::to_string(matrix.rows()) + "x" +
                       std::to_string(matrix.cols()) + " but there are n = " + std::to_string(n) +
                       " tokens");
  }
}

}  // namespace varsphere
