// The fused, tiled attention kernel (docs/math.md §2.9): for queries q_i, keys k_j and values v_j
// (columns of d×n, d×n and m×n matrices) and logits
//
//   ℓ_ij = β⟨q_i, k_j⟩ + b_ij        over the keys j the bias allows (b from a ScoreBias),
//
// it computes, for every query i,
//
//   log Z_i = log Σ_j exp(ℓ_ij)                                 (the log-partition function)
//   Y_i     = Σ_j exp(ℓ_ij − log Z_i) v_j                       (Softmax)
//   Y_i     = (1/n) Σ_j exp(ℓ_ij) v_j                           (Unnormalized)
//
// without ever storing the n×n matrix of logits: queries are cut into tiles of kQueryTile columns,
// keys into tiles of kKeyTile; for each query tile the key tiles are visited in order with an
// online softmax (a running maximum μ_i and sum, rescaled by exp(μ_old − μ_new) when the maximum
// grows), so that memory is O(n(d + m)) plus one kKeyTile × kQueryTile tile per thread, and
// every exponential is of a non-positive number (β = 100 neither overflows nor underflows to NaN).
// Key tiles that a causal mask forbids entirely are skipped (causal does half the work).
//
// Threads: query tiles are shared among `threads` OpenMP threads; each tile is reduced by one
// thread over the key tiles in a fixed order, and the tile sizes do not depend on the thread
// count, so the result is the same bit for bit for every number of threads.
//
// Precision::Single casts queries, keys and values to float once and computes the tiles in float
// (errors ~1e-7 relative per evaluation, measured in docs/scale.md); Double is the reference.
// Exponentials are Eigen's vectorized packet exp (within 1–2 ulp of std::exp over the range used).
#pragma once

#include <Eigen/Core>
#include <string>
#include <varsphere/functionals/score_bias.hpp>

namespace varsphere {

enum class Precision {
  Double,  ///< float64 everywhere: the reference
  Single,  ///< tiles in float32, state in float64
};

/// "double", "single"; throws InvalidInput otherwise.
Precision parse_precision(const std::string& name);
std::string to_string(Precision precision);

struct TiledAttentionOptions {
  double beta = 1.0;
  bool softmax = true;  ///< Softmax (true) or Unnormalized (false) weights
  int threads = 0;      ///< 0: all cores (core/thread_count.hpp)
  Precision precision = Precision::Double;
};

/// Tile sizes (fixed: the result must not depend on the number of threads).
inline constexpr Eigen::Index kQueryTile = 128;
inline constexpr Eigen::Index kKeyTile = 256;

/// Writes Y (resized to m×n) and log Z (resized to n) as above; either may be nullptr when not
/// wanted (without Y the value products are skipped). The bias must already be resolved at the
/// evaluation time (no schedule) and sized for n. Under Softmax a query whose every key is masked
/// throws InvalidInput ("token i attends to no token", the smallest such i); under Unnormalized its
/// Y_i is 0 and log Z_i = −∞.
void tiled_attention(const Eigen::Ref<const Eigen::MatrixXd>& queries,
                     const Eigen::Ref<const Eigen::MatrixXd>& keys,
                     const Eigen::Ref<const Eigen::MatrixXd>& values, const ScoreBias& bias,
                     const TiledAttentionOptions& options, Eigen::MatrixXd* Y,
                     Eigen::VectorXd* log_partition);

}  // namespace varsphere
