// A parametrized family of attention fields, the model space of fitting flows to observed token
// paths (docs/math.md §7.1): H heads with score matrices A_h (β absorbed: scores ⟨x_i, A_h x_j⟩)
// and value matrices V_h, SA or USA, constant in time, piecewise constant on equal time blocks
// (one set per block of layers) or smooth in t (Legendre polynomials P_0..P_{B−1} on [t0, t1]).
//
//   score:  full (d² numbers), symmetric (d(d+1)/2), low-rank QᵀK (Q, K: r×d, 2rd numbers; the
//           gauge (Q, K) → (GQ, G⁻ᵀK), G ∈ GL(r), leaves A unchanged: r² flat directions),
//           scalar (A = βI, 1 number).
//   value:  full, symmetric, tied (V = A, no numbers of its own), identity (V = I).
//
// The parameter vector θ holds B blocks (time blocks or basis functions) of block_size() numbers,
// each block the heads in order, each head its score numbers then its value numbers (column-major
// for full matrices, the upper triangle column by column for symmetric ones, Q then K row-major
// for low rank).
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/functionals/score_bias.hpp>

namespace varsphere {

enum class ScoreFamily { Full, Symmetric, LowRank, Scalar };
enum class ValueFamily { Full, Symmetric, Tied, Identity };
enum class TimeDependence { Constant, Piecewise, Smooth };

/// "full", "symmetric", "low-rank", "scalar" / "full", "symmetric", "tied", "identity" /
/// "constant", "piecewise", "smooth"; parse_* throw InvalidInput for other names.
std::string to_string(ScoreFamily f);
std::string to_string(ValueFamily f);
std::string to_string(TimeDependence f);
ScoreFamily parse_score_family(const std::string& name);
ValueFamily parse_value_family(const std::string& name);
TimeDependence parse_time_dependence(const std::string& name);

struct AttentionFamily {
  Eigen::Index d = 3;
  int heads = 1;
  AttentionNormalization normalization = AttentionNormalization::Softmax;  ///< SA or USA
  ScoreFamily score = ScoreFamily::Full;
  int rank = 1;  ///< low-rank only
  ValueFamily value = ValueFamily::Full;
  TimeDependence time = TimeDependence::Constant;
  int blocks = 1;            ///< piecewise: time blocks; smooth: basis functions (≥ 1)
  double t0 = 0, t1 = 1;     ///< the time range the blocks or the basis cover
  /// A fixed score bias of every head (causal masks, ALiBi, a user matrix; functionals/score_bias.hpp):
  /// part of the model, not fitted. Its size must match the tokens of every path.
  ScoreBias bias;

  /// Throws InvalidInput for d < 2, heads < 1, a rank outside [1, d], blocks < 1 (or ≠ 1 when
  /// constant), SA/USA other than those two, t1 ≤ t0.
  void validate() const;
  Eigen::Index score_size() const;
  Eigen::Index value_size() const;
  Eigen::Index head_size() const { return score_size() + value_size(); }
  Eigen::Index block_size() const { return heads * head_size(); }
  Eigen::Index parameter_count() const { return block_size() * time_blocks(); }
  int time_blocks() const { return time == TimeDependence::Constant ? 1 : blocks; }
  /// Flat directions every θ has (low rank: heads·r² per block), reported apart from the data's.
  Eigen::Index gauge_dimension() const;

  /// Weights of the blocks at time t (piecewise: one 1 at the active block; smooth: P_m(τ)).
  Eigen::VectorXd block_weights(double t) const;
  /// The numbers in force at time t, u = Σ_b w_b(t) θ_b (one block, block_size()).
  Eigen::VectorXd numbers_at(const Eigen::VectorXd& theta, double t) const;
  /// The heads (A_h, V_h) of one block of numbers u.
  std::vector<AttentionHead> heads_of(const Eigen::VectorXd& u) const;
  /// The heads of every time block (piecewise) or basis function (smooth), in order.
  std::vector<std::vector<AttentionHead>> block_heads(const Eigen::VectorXd& theta) const;
  /// The heads (A_h, V_h) at time t: heads_of(numbers_at(θ, t)).
  std::vector<AttentionHead> heads_at(const Eigen::VectorXd& theta, double t) const;
  /// The options of the family's fields: β = 1, its normalization and bias.
  AttentionOptions field_options() const;
  /// d vec(A_h)/dθ_h and d vec(V_h)/dθ_h for the numbers θ_h of one head in one block, d²×head_size
  /// (the head's A and V are linear in them except for low rank).
  void head_jacobians(const Eigen::Ref<const Eigen::VectorXd>& head_theta, Eigen::MatrixXd& dA,
                      Eigen::MatrixXd& dV) const;
  /// The head's (A, V) from its numbers.
  AttentionHead head_of(const Eigen::Ref<const Eigen::VectorXd>& head_theta) const;
  /// θ of A_h = a·I, V_h = I in every head and block (smooth: on P_0 only); low rank: Q = K =
  /// the first r rows of √a·I, plus `jitter`·N(0,1) from `seed` off the gauge's symmetric points.
  Eigen::VectorXd identity_parameters(double a = 1.0, double jitter = 0.0,
                                      std::uint64_t seed = 1) const;
  /// θ that represents the given heads (constant in time). Throws InvalidInput where the family
  /// cannot (e.g. a non-symmetric A in a symmetric family; low rank: by truncated SVD).
  Eigen::VectorXd parameters_of(const std::vector<AttentionHead>& heads) const;
  /// Name of parameter j ("block 2 head 1 A(3,1)", ...).
  std::string parameter_name(Eigen::Index j) const;
};

}  // namespace varsphere
