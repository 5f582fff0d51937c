#include <varsphere/functionals/tiled_attention.hpp>

#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <varsphere/core/error.hpp>
#include <varsphere/core/thread_count.hpp>
#include <vector>

namespace varsphere {

Precision parse_precision(const std::string& name) {
  if (name == "double") return Precision::Double;
  if (name == "single") return Precision::Single;
  throw InvalidInput("unknown precision '" + name + "' (expected double or single)");
}

std::string to_string(Precision precision) {
  return precision == Precision::Single ? "single" : "double";
}

namespace {

template <class S>
using Matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S>
using Vector = Eigen::Matrix<S, Eigen::Dynamic, 1>;
template <class S>
using Input = Eigen::Ref<const Matrix<S>>;

// One query tile [i0, i0 + bq): the online softmax over the key tiles, in order.
// Returns the first query of the tile without any key (or −1).
template <class S>
Eigen::Index reduce_query_tile(const Input<S>& Q, const Input<S>& K, const Input<S>* V,
                               const ScoreBias& bias, const Matrix<S>& bias_matrix, S beta,
                               bool softmax, Eigen::Index i0, Eigen::Index bq, Matrix<S>& tile,
                               Matrix<S>& acc, Vector<S>& mu, Vector<S>& sum, Eigen::MatrixXd* Y,
                               Eigen::VectorXd* log_partition) {
  constexpr S minus_infinity = -std::numeric_limits<S>::infinity();
  const Eigen::Index n = Q.cols();
  const double alibi = bias.alibi;
  const bool has_matrix = bias_matrix.size() != 0;
  // Keys are visible up to key_count(i), which grows with i: the last query sees the most.
  const Eigen::Index key_end = bias.key_count(i0 + bq - 1, n);
  mu.setConstant(bq, minus_infinity);
  sum.setZero(bq);
  if (V != nullptr) acc.setZero(V->rows(), bq);
  const auto queries = Q.middleCols(i0, bq);
  for (Eigen::Index j0 = 0; j0 < key_end; j0 += kKeyTile) {
    const Eigen::Index bk = std::min(kKeyTile, key_end - j0);
    auto T = tile.topLeftCorner(bk, bq);
    T.noalias() = K.middleCols(j0, bk).transpose() * queries;  // T(jj, ii) = ⟨q_i, k_j⟩
    if (beta != S(1)) T *= beta;
    if (has_matrix) T += bias_matrix.block(i0, j0, bq, bk).transpose();
    for (Eigen::Index ii = 0; ii < bq; ++ii) {
      const Eigen::Index i = i0 + ii;
      const Eigen::Index open = std::clamp<Eigen::Index>(bias.key_count(i, n) - j0, 0, bk);
      auto column = T.col(ii);
      column.tail(bk - open).setZero();
      auto logits = column.head(open);
      if (alibi != 0.0) {
        for (Eigen::Index jj = 0; jj < open; ++jj) {
          const Eigen::Index j = j0 + jj;
          logits(jj) -= static_cast<S>(alibi * static_cast<double>(i > j ? i - j : j - i) /
                                       static_cast<double>(n));
        }
      }
      const S tile_max = open > 0 ? logits.maxCoeff() : minus_infinity;
      if (tile_max == minus_infinity) {  // nothing visible here (yet): contributes nothing
        logits.setZero();
        continue;
      }
      if (tile_max > mu(ii)) {
        const S rescale = std::exp(mu(ii) - tile_max);  // 0 on the first visible tile
        sum(ii) *= rescale;
        if (V != nullptr) acc.col(ii) *= rescale;
        mu(ii) = tile_max;
      }
      logits = (logits.array() - mu(ii)).exp().matrix();
      sum(ii) += logits.sum();
    }
    if (V != nullptr) acc.noalias() += V->middleCols(j0, bk) * T;
  }
  Eigen::Index keyless = -1;
  for (Eigen::Index ii = 0; ii < bq; ++ii) {
    const Eigen::Index i = i0 + ii;
    const bool none = !(sum(ii) > S(0));
    if (none && keyless < 0) keyless = i;
    if (log_partition != nullptr) {
      (*log_partition)(i) =
          none ? -std::numeric_limits<double>::infinity()
               : static_cast<double>(mu(ii)) + std::log(static_cast<double>(sum(ii)));
    }
    if (Y == nullptr) continue;
    if (none) {
      Y->col(i).setZero();
    } else if (softmax) {
      Y->col(i) = (acc.col(ii) / sum(ii)).template cast<double>();
    } else {
      Y->col(i) = acc.col(ii).template cast<double>() *
                  (std::exp(static_cast<double>(mu(ii))) / static_cast<double>(n));
    }
  }
  return keyless;
}

template <class S>
void run(const Input<S>& Q, const Input<S>& K, const Input<S>* V, const ScoreBias& bias,
         const TiledAttentionOptions& options, Eigen::MatrixXd* Y, Eigen::VectorXd* log_partition) {
  const Eigen::Index n = Q.cols();
  const Eigen::Index tiles = (n + kQueryTile - 1) / kQueryTile;
  const Matrix<S> bias_matrix = bias.matrix.template cast<S>();
  const int threads = std::min<Eigen::Index>(resolve_thread_count(options.threads), tiles);
  std::vector<Eigen::Index> keyless(static_cast<std::size_t>(tiles), -1);
#pragma omp parallel num_threads(threads)
  {
    // Per-thread scratch: one logit tile, the accumulator and the running max and sum.
    Matrix<S> tile(kKeyTile, kQueryTile), acc;
    Vector<S> mu, sum;
#pragma omp for schedule(dynamic, 1)
    for (Eigen::Index t = 0; t < tiles; ++t) {
      const Eigen::Index i0 = t * kQueryTile;
      keyless[static_cast<std::size_t>(t)] = reduce_query_tile<S>(
          Q, K, V, bias, bias_matrix, static_cast<S>(options.beta), options.softmax, i0,
          std::min(kQueryTile, n - i0), tile, acc, mu, sum, Y, log_partition);
    }
  }
  if (options.softmax) {
    for (const Eigen::Index i : keyless) {
      if (i >= 0) throw_no_keys(i);
    }
  }
}

}  // namespace

void tiled_attention(const Eigen::Ref<const Eigen::MatrixXd>& queries,
                     const Eigen::Ref<const Eigen::MatrixXd>& keys,
                     const Eigen::Ref<const Eigen::MatrixXd>& values, const ScoreBias& bias,
                     const TiledAttentionOptions& options, Eigen::MatrixXd* Y,
                     Eigen::VectorXd* log_partition) {
  const Eigen::Index n = queries.cols();
  if (keys.cols() != n || keys.rows() != queries.rows() || (Y != nullptr && values.cols() != n)) {
    throw InvalidInput("tiled attention: queries, keys and values must have matching shapes");
  }
  if (bias.schedule) throw InvalidInput("tiled attention: resolve the bias schedule first (at(t))");
  bias.check_size(n);
  if (Y != nullptr) Y->resize(values.rows(), n);
  if (log_partition != nullptr) log_partition->resize(n);
  if (n == 0) return;
  if (options.precision == Precision::Double) {
    run<double>(queries, keys, Y != nullptr ? &values : nullptr, bias, options, Y, log_partition);
  } else {
    // Cast once: O(nd) against the O(n²d) of the tiles.
    const Eigen::MatrixXf Q = queries.cast<float>(), K = keys.cast<float>();
    const Eigen::MatrixXf V =
        Y != nullptr ? Eigen::MatrixXf(values.cast<float>()) : Eigen::MatrixXf();
    const Input<float> q(Q), k(K), v(V);
    run<float>(q, k, Y != nullptr ? &v : nullptr, bias, options, Y, log_partition);
  }
}

}  // namespace varsphere
