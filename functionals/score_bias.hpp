// Additive biases of attention scores (docs/math.md §2.6): the weights become
//
//   w_ij ∝ exp(β⟨x_i, A x_j⟩ + b_ij),
//
// with b_ij = −∞ for pairs a mask forbids. The parts add up:
//  * a mask: causal (token i attends to j ≤ i, itself included, as simuformer's --sequential) or
//    strictly causal (j < i, as the lost-in-the-middle code: token 1 then attends to nothing);
//  * an ALiBi bias −λ·|i − j|/n (Press et al.; the lost-in-the-middle prior has this exponent);
//  * a user matrix b (n×n, finite or −∞), e.g. log(n·W) for a normalized prior W;
//  * a user callable t ↦ b(t) (n×n) for biases that change with time (any b(i, j, t): fill the
//    matrix), evaluated once per field evaluation and added to the matrix.
// Tokens are numbered in their column order. A row whose weights are all masked is an error under
// SA (softmax of nothing) and a zero row under USA (an empty sum).
// The bias is a constant of the field: the Jacobian in X has the same closed form with these
// weights, and a mask makes it block-triangular (token i depends only on the tokens it sees).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

namespace varsphere {

enum class AttentionMask {
  None,
  Causal,        ///< j ≤ i
  StrictCausal,  ///< j < i
};

/// "none", "causal", "strict-causal"; throws InvalidInput otherwise.
AttentionMask parse_attention_mask(const std::string& name);
std::string to_string(AttentionMask mask);

struct ScoreBias {
  AttentionMask mask = AttentionMask::None;
  double alibi = 0.0;      ///< λ ≥ 0 of the ALiBi bias −λ|i − j|/n
  Eigen::MatrixXd matrix;  ///< user bias b(i, j), n×n, entries finite or −∞; empty: none
  std::function<Eigen::MatrixXd(double t)> schedule;  ///< b(t), n×n, added to `matrix`; or none

  bool empty() const {
    return mask == AttentionMask::None && alibi == 0.0 && matrix.size() == 0 && !schedule;
  }
  /// The bias in force at time t: `matrix` plus schedule(t) (checked), without a schedule.
  ScoreBias at(double t) const;
  /// A schedule from a per-pair callable b(i, j, t) (tokens numbered from 0) for n tokens: the
  /// n×n matrix is filled once per field evaluation.
  static std::function<Eigen::MatrixXd(double)> pairwise(
      std::function<double(Eigen::Index i, Eigen::Index j, double t)> b, Eigen::Index n);
  /// Token i may attend to the keys j < key_count(i, n) (the user matrix may mask more).
  Eigen::Index key_count(Eigen::Index i, Eigen::Index n) const {
    switch (mask) {
      case AttentionMask::Causal: return i + 1;
      case AttentionMask::StrictCausal: return i;
      case AttentionMask::None: break;
    }
    return n;
  }
  /// b_ij for keys j < key_count(i, n) (the user matrix may add −∞).
  double operator()(Eigen::Index i, Eigen::Index j, Eigen::Index n) const {
    double b = 0.0;
    if (alibi != 0.0) b -= alibi * static_cast<double>(i > j ? i - j : j - i) / static_cast<double>(n);
    if (matrix.size() != 0) b += matrix(i, j);
    return b;
  }
  /// Throws InvalidInput for λ < 0 or not finite, or a matrix that is not n×n or has NaN / +∞.
  void check(Eigen::Index n) const;
  /// Throws InvalidInput unless the matrix (if any) is n×n: the per-evaluation check, the values
  /// having been checked when the field was built (or by at()).
  void check_size(Eigen::Index n) const;
  /// Throws InvalidInput for λ < 0 or not finite and a matrix with NaN / +∞ (any n).
  void check_values() const;
};

/// Throws InvalidInput "token i attends to no token": a softmax row whose every key is masked.
[[noreturn]] void throw_no_keys(Eigen::Index i);

}  // namespace varsphere
