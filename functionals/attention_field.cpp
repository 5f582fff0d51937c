#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/functionals/jet_velocity_jacobian.hpp>

#include <Eigen/Dense>
#include <algorithm>
#include <limits>
#include <sstream>

namespace varsphere {

namespace {

void validate_head(const AttentionHead& h, Eigen::Index d, std::size_t index) {
  const auto check = [&](const Eigen::MatrixXd& M, const char* name) {
    std::ostringstream where;
    where << "attention head " << index + 1 << ": " << name;
    if (M.rows() != d || M.cols() != d) {
      where << " is " << M.rows() << "x" << M.cols() << " but tokens have d = " << d;
      throw InvalidInput(where.str());
    }
    if (!M.allFinite()) throw InvalidInput(where.str() + " has non-finite entries");
  };
  check(h.A, "interaction matrix A = Q^T K");
  check(h.V, "value matrix V");
}

void validate_options(const AttentionOptions& o) {
  if (o.threads < 0) {
    throw InvalidInput("attention field: threads must be >= 0 (0: all cores), got " +
                       std::to_string(o.threads));
  }
  if (o.precision == Precision::Single && o.kernel == AttentionKernel::Dense) {
    throw InvalidInput("attention field: single precision needs the tiled kernel");
  }
  o.bias.check_values();
  check_sinkhorn_options(o.sinkhorn);
  if (!std::isfinite(o.beta) || o.beta < 0) {
    throw InvalidInput("attention field: beta must be finite and >= 0, got " +
                       std::to_string(o.beta));
  }
  if (o.sign != 1.0 && o.sign != -1.0) throw InvalidInput("attention field: sign must be +1 or -1");
}

bool exactly_symmetric(const Eigen::MatrixXd& A) {
  return A == A.transpose();
}
bool is_identity(const Eigen::MatrixXd& M) {
  return M.isIdentity(0.0);
}

// Turns scores into attention weights column by column: column i holds ⟨x_i, A x_l⟩ over l and
// becomes w_il = softmax_l(β·score + b_il) (SA, shifted by the column maximum) or
// exp(β·score + b_il)/n (USA); keys a mask forbids get weight 0 (docs/math.md §2.6).
void weights_from_scores(Eigen::Ref<Eigen::MatrixXd> scores, double beta, bool softmax,
                         const ScoreBias& bias) {
  const Eigen::Index n = scores.rows();
  const bool biased = !bias.empty();
  for (Eigen::Index i = 0; i < scores.cols(); ++i) {
    const Eigen::Index keys = bias.key_count(i, n);
    auto col = scores.col(i).head(keys);
    scores.col(i).tail(n - keys).setZero();
    if (biased) {
      col *= beta;
      for (Eigen::Index j = 0; j < keys; ++j) col(j) += bias(i, j, n);
    }
    const double scale = biased ? 1.0 : beta;  // unbiased: β folded into the exponent as before
    if (softmax) {
      const double m = keys > 0 ? scale * col.maxCoeff() : -std::numeric_limits<double>::infinity();
      if (m == -std::numeric_limits<double>::infinity()) throw_no_keys(i);
      col = (scale * col.array() - m).exp().matrix();
      col /= col.sum();
    } else {
      col = ((scale * col.array()).exp() / static_cast<double>(n)).matrix();
    }
  }
}

// Beyond this spread of row maxima the shared-shift trick of the symmetric path could underflow
// (exp(-745)); such rows use the general row-wise path.
constexpr double kMaxRowMaxSpread = 1000.0;

}  // namespace

AttentionKernel parse_attention_kernel(const std::string& name) {
  if (name == "tiled") return AttentionKernel::Tiled;
  if (name == "dense") return AttentionKernel::Dense;
  throw InvalidInput("unknown attention kernel '" + name + "' (expected tiled or dense)");
}

std::string to_string(AttentionKernel kernel) {
  return kernel == AttentionKernel::Dense ? "dense" : "tiled";
}

AttentionField::AttentionField(Eigen::Index d, std::vector<AttentionHead> heads,
                               AttentionOptions options)
    : d_(d), heads_(std::move(heads)), options_(options) {
  if (d_ < 2)
    throw InvalidInput("attention field: d = " + std::to_string(d_) + " but d >= 2 needed");
  if (heads_.empty()) throw InvalidInput("attention field: at least one head is needed");
  for (std::size_t h = 0; h < heads_.size(); ++h) validate_head(heads_[h], d_, h);
  validate_options(options_);
}

AttentionField::AttentionField(Eigen::Index d, HeadSchedule schedule, AttentionOptions options)
    : d_(d), schedule_(std::move(schedule)), options_(options) {
  if (d_ < 2)
    throw InvalidInput("attention field: d = " + std::to_string(d_) + " but d >= 2 needed");
  if (!schedule_) throw InvalidInput("attention field: empty head schedule");
  validate_options(options_);
}

AttentionField AttentionField::identity(Eigen::Index d, AttentionOptions options) {
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(d, d);
  return AttentionField(d, std::vector<AttentionHead>{{I, I}}, options);
}

AttentionField AttentionField::with_beta(double beta) const {
  AttentionField out = *this;
  out.options_.beta = beta;
  validate_options(out.options_);
  return out;
}

std::vector<AttentionHead> AttentionField::heads_at(double t) const {
  if (!schedule_) return heads_;
  std::vector<AttentionHead> heads = schedule_(t);
  if (heads.empty()) throw InvalidInput("attention field: the head schedule returned no heads");
  for (std::size_t h = 0; h < heads.size(); ++h) validate_head(heads[h], d_, h);
  return heads;
}

void AttentionField::check_input(const Eigen::Ref<const Eigen::MatrixXd>& X) const {
  if (X.rows() != d_) {
    throw InvalidInput("attention field: tokens have dimension " + std::to_string(X.rows()) +
                       " but the field was built for d = " + std::to_string(d_));
  }
  if (X.cols() < 1) throw InvalidInput("attention field: no tokens");
}

void AttentionField::unprojected_velocity(double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
                                          Eigen::Ref<Eigen::MatrixXd> D,
                                          AttentionWorkspace& ws) const {
  check_input(X);
  D.setZero();
  ScoreBias storage;
  const ScoreBias& bias = bias_at(t, storage);
  bias.check_size(X.cols());
  if (schedule_) {
    for (const AttentionHead& head : heads_at(t)) add_head(head, bias, X, D, ws);
  } else {
    for (const AttentionHead& head : heads_) add_head(head, bias, X, D, ws);
  }
  if (options_.sign != 1.0) D *= options_.sign;
}

const ScoreBias& AttentionField::bias_at(double t, ScoreBias& storage) const {
  if (!options_.bias.schedule) return options_.bias;
  storage = options_.bias.at(t);
  return storage;
}

// Sinkhorn and hardmax normalize the whole score matrix: scores S(j, i) = ⟨x_i, A x_j⟩ become
// logits (β·S + b for Sinkhorn, S for hardmax; −∞ where masked) and then weights, in place.
void AttentionField::logits_to_weights(Eigen::MatrixXd& S, const ScoreBias& bias) const {
  const Eigen::Index n = S.cols();
  const bool hard = options_.normalization == AttentionNormalization::Hardmax;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index keys = bias.key_count(i, n);
    for (Eigen::Index j = 0; j < n; ++j) {
      if (j >= keys) {
        S(j, i) = -std::numeric_limits<double>::infinity();
        continue;
      }
      const double b = bias.empty() ? 0.0 : bias(i, j, n);
      if (hard) {
        if (b == -std::numeric_limits<double>::infinity()) S(j, i) = b;
      } else {
        S(j, i) = options_.beta * S(j, i) + b;
      }
    }
  }
  if (hard) {
    detail::hardmax_weights(S);
  } else {
    sinkhorn_weights(S, options_.sinkhorn);
  }
}

// Scores S(j, i) = ⟨x_i, A x_j⟩ → weights for whichever normalization the field has (the general,
// full-matrix route; add_head has faster routes for symmetric A and for masks).
void AttentionField::scores_to_weights(Eigen::MatrixXd& S, const ScoreBias& bias) const {
  if (options_.normalization == AttentionNormalization::Sinkhorn ||
      options_.normalization == AttentionNormalization::Hardmax) {
    logits_to_weights(S, bias);
  } else {
    weights_from_scores(S, options_.beta,
                        options_.normalization == AttentionNormalization::Softmax, bias);
  }
}

Eigen::MatrixXd AttentionField::weights(double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
                                        std::size_t h) const {
  check_input(X);
  const std::vector<AttentionHead> heads = heads_at(t);
  if (h >= heads.size()) throw InvalidInput("attention field: no head " + std::to_string(h + 1));
  const Eigen::Index n = X.cols();
  ScoreBias storage;
  const ScoreBias& bias = bias_at(t, storage);
  bias.check_size(n);
  Eigen::MatrixXd S = (heads[h].A * X).transpose() * X;  // S(j, i) = ⟨x_i, A x_j⟩
  scores_to_weights(S, bias);
  return S.transpose();
}

void AttentionField::velocity(double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
                              Eigen::Ref<Eigen::MatrixXd> dX, AttentionWorkspace& ws) const {
  unprojected_velocity(t, X, dX, ws);
  product::tangent_project_in_place(X, dX);
}

// Adds Σ_j w_ij V x_j for one head to D.
//
// Symmetric A: S = XᵀAX is symmetric, only its upper triangle is formed. With row maxima m_i of
// βS and M = max_i m_i, F_ij = exp(βS_ij − (m_i + m_j)/2) is symmetric and ≤ 1, and
//   exp(βS_ij − m_i) = F_ij · c_j · exp((M − m_i)/2),  c_j = exp((m_j − M)/2),
// where the last factor is constant along row i and cancels in the softmax. Hence
//   Σ_j w_ij x_j = ((X diag c) F)_i / (F c)_i,
// a symmetric product. USA needs no shift: F_ij = exp(βS_ij), Σ_j w_ij x_j = (X F)_i / n.
// General A: ST = (AX)ᵀX holds row i of S in column i (contiguous), weights column-wise.
void AttentionField::add_head(const AttentionHead& head, const ScoreBias& bias,
                              const Eigen::Ref<const Eigen::MatrixXd>& X,
                              Eigen::Ref<Eigen::MatrixXd> D, AttentionWorkspace& ws) const {
  const Eigen::Index n = X.cols();
  const double beta = options_.beta;
  const bool softmax = options_.normalization == AttentionNormalization::Softmax;
  const bool whole_matrix = options_.normalization == AttentionNormalization::Sinkhorn ||
                            options_.normalization == AttentionNormalization::Hardmax;
  if (!whole_matrix && options_.kernel == AttentionKernel::Tiled) {
    const TiledAttentionOptions tiled{beta, softmax, options_.threads, options_.precision};
    if (is_identity(head.A)) {
      tiled_attention(X, X, X, bias, tiled, &ws.Y, nullptr);
    } else {
      ws.AX.noalias() = head.A * X;
      tiled_attention(X, ws.AX, X, bias, tiled, &ws.Y, nullptr);
    }
    if (is_identity(head.V)) {
      D += ws.Y;
    } else {
      D.noalias() += head.V * ws.Y;
    }
    return;
  }
  ws.AX.noalias() = head.A * X;
  ws.S.resize(n, n);
  ws.Y.resize(X.rows(), n);
  ws.row_max.resize(n);
  ws.column_scale.resize(n);
  ws.row_sum.resize(n);

  bool symmetric_done = false;
  if (whole_matrix) {
    ws.S.noalias() = ws.AX.transpose() * X;  // S(j, i) = ⟨x_i, A x_j⟩
    logits_to_weights(ws.S, bias);
    ws.Y.noalias() = X * ws.S;
    symmetric_done = true;  // (the whole-matrix weights are done)
  } else if (bias.empty() && exactly_symmetric(head.A)) {
    ws.S.triangularView<Eigen::Upper>() = X.transpose() * ws.AX;
    ws.S.triangularView<Eigen::Upper>() *= beta;
    if (softmax) {
      ws.row_max.setConstant(-std::numeric_limits<double>::infinity());
      for (Eigen::Index j = 0; j < n; ++j) {
        for (Eigen::Index i = 0; i <= j; ++i) {
          const double s = ws.S(i, j);
          ws.row_max(i) = std::max(ws.row_max(i), s);
          ws.row_max(j) = std::max(ws.row_max(j), s);
        }
      }
      const double M = ws.row_max.maxCoeff();
      if (M - ws.row_max.minCoeff() <= kMaxRowMaxSpread) {
        for (Eigen::Index j = 0; j < n; ++j) {
          ws.S.col(j).head(j + 1) = (ws.S.col(j).head(j + 1).array() -
                                     0.5 * (ws.row_max.head(j + 1).array() + ws.row_max(j)))
                                        .exp()
                                        .matrix();
        }
        ws.column_scale = (0.5 * (ws.row_max.array() - M)).exp().matrix();
        ws.row_sum.noalias() = ws.S.selfadjointView<Eigen::Upper>() * ws.column_scale;
        ws.Y.noalias() = (X * ws.column_scale.asDiagonal()) * ws.S.selfadjointView<Eigen::Upper>();
        ws.Y *= ws.row_sum.cwiseInverse().asDiagonal();
        symmetric_done = true;
      }
    } else {
      for (Eigen::Index j = 0; j < n; ++j) {
        ws.S.col(j).head(j + 1) = ws.S.col(j).head(j + 1).array().exp().matrix();
      }
      ws.Y.noalias() = X * ws.S.selfadjointView<Eigen::Upper>();
      ws.Y /= static_cast<double>(n);
      symmetric_done = true;
    }
  }
  if (!symmetric_done) {
    // S(j, i) = ⟨x_i, A x_j⟩: column i is row i of scores. Under a causal mask only j ≤ i is
    // needed: the upper triangle, half the products and half the exponentials.
    if (bias.mask != AttentionMask::None) {
      ws.S.triangularView<Eigen::Upper>() = ws.AX.transpose() * X;
      weights_from_scores(ws.S, beta, softmax, bias);
      ws.Y.noalias() = X * ws.S.triangularView<Eigen::Upper>();
    } else {
      ws.S.noalias() = ws.AX.transpose() * X;
      weights_from_scores(ws.S, beta, softmax, bias);
      ws.Y.noalias() = X * ws.S;
    }
  }
  if (is_identity(head.V)) {
    D += ws.Y;
  } else {
    D.noalias() += head.V * ws.Y;
  }
}

Eigen::MatrixXd AttentionField::velocity_jacobian(double t,
                                                  const Eigen::Ref<const Eigen::MatrixXd>& X,
                                                  Eigen::MatrixXd* velocity) const {
  check_input(X);
  const Eigen::Index d = X.rows(), n = X.cols();
  const double beta = options_.beta;
  const bool softmax = options_.normalization == AttentionNormalization::Softmax;
  ScoreBias storage;
  const ScoreBias& bias = bias_at(t, storage);
  bias.check_size(n);
  if (options_.normalization == AttentionNormalization::Sinkhorn) {
    // The Sinkhorn scalings depend on every token: forward-mode Jets through the generic path.
    return jet_velocity_jacobian(*this, t, X, velocity);
  }
  const bool hard = options_.normalization == AttentionNormalization::Hardmax;
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n * d, n * d);
  Eigen::MatrixXd D = Eigen::MatrixXd::Zero(d, n);
  for (const AttentionHead& head : heads_at(t)) {
    const Eigen::MatrixXd AX = head.A * X, AtX = head.A.transpose() * X, VX = head.V * X;
    // W(l, i): weight of token l in the update of token i (column i sums to 1 for SA).
    Eigen::MatrixXd W = AX.transpose() * X;  // (l, i) = ⟨x_i, A x_l⟩
    scores_to_weights(W, bias);
    const Eigen::MatrixXd Dh = VX * W;  // column i = D_i of this head
    const double c = softmax ? 1.0 : 0.0;
    // Hardmax weights are locally constant in X (away from ties): only the w_ik V terms remain.
    const double beta_terms = hard ? 0.0 : beta;
    for (Eigen::Index i = 0; i < n; ++i) {
      // δ_ik term: β Σ_l w_il (V x_l − c D_i)(A x_l)ᵀ
      const Eigen::MatrixXd centered = VX.colwise() - c * Dh.col(i);
      J.block(i * d, i * d, d, d) +=
          beta_terms * centered * W.col(i).asDiagonal() * AX.transpose();
      for (Eigen::Index k = 0; k < n; ++k) {
        J.block(i * d, k * d, d, d) +=
            W(k, i) * (head.V + beta_terms * (VX.col(k) - c * Dh.col(i)) * AtX.col(i).transpose());
      }
    }
    D += Dh;
  }
  J *= options_.sign;
  D *= options_.sign;
  // Project: ∂F_i/∂x_k = P_i ∂D_i/∂x_k − δ_ik (⟨x_i, D_i⟩ I + x_i D_iᵀ).
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::VectorXd x = X.col(i);
    auto rows = J.middleRows(i * d, d);
    rows -= x * (x.transpose() * rows);
    J.block(i * d, i * d, d, d) -=
        x.dot(D.col(i)) * Eigen::MatrixXd::Identity(d, d) + x * D.col(i).transpose();
  }
  if (velocity != nullptr) {
    *velocity = D;
    product::tangent_project_in_place(X, *velocity);
  }
  return J;
}

Eigen::MatrixXd AttentionField::velocity_vjp(double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
                                             const Eigen::Ref<const Eigen::MatrixXd>& R,
                                             Eigen::MatrixXd* velocity) const {
  return velocity_vjp(t, X, [&R](const Eigen::MatrixXd&) { return Eigen::MatrixXd(R); }, velocity);
}

Eigen::MatrixXd AttentionField::velocity_vjp(
    double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
    const std::function<Eigen::MatrixXd(const Eigen::MatrixXd& F)>& cotangent,
    Eigen::MatrixXd* velocity) const {
  check_input(X);
  const Eigen::Index d = X.rows(), n = X.cols();
  auto checked = [&](Eigen::MatrixXd R) {
    if (R.rows() != d || R.cols() != n) {
      throw InvalidInput("attention VJP: the cotangent must be " + std::to_string(d) + "x" +
                         std::to_string(n));
    }
    return R;
  };
  Eigen::MatrixXd F;
  if (options_.normalization == AttentionNormalization::Sinkhorn) {
    const Eigen::MatrixXd J = velocity_jacobian(t, X, &F);
    const Eigen::MatrixXd R = checked(cotangent(F));
    const Eigen::VectorXd g = J.transpose() * Eigen::Map<const Eigen::VectorXd>(R.data(), n * d);
    if (velocity != nullptr) *velocity = F;
    return Eigen::Map<const Eigen::MatrixXd>(g.data(), d, n);
  }
  const double beta = options_.normalization == AttentionNormalization::Hardmax ? 0.0 : options_.beta;
  const double c = options_.normalization == AttentionNormalization::Softmax ? 1.0 : 0.0;
  ScoreBias storage;
  const ScoreBias& bias = bias_at(t, storage);
  bias.check_size(n);
  // The forward pass once: weights and per-head D (the cotangent may depend on F).
  const std::vector<AttentionHead> heads = heads_at(t);
  std::vector<Eigen::MatrixXd> weights, head_D;
  Eigen::MatrixXd D = Eigen::MatrixXd::Zero(d, n);
  for (const AttentionHead& head : heads) {
    Eigen::MatrixXd W = (head.A * X).transpose() * X;  // (l, i) = ⟨x_i, A x_l⟩
    scores_to_weights(W, bias);
    head_D.push_back(head.V * X * W);
    D += head_D.back();
    weights.push_back(std::move(W));
  }
  D *= options_.sign;
  F = D;
  product::tangent_project_in_place(X, F);
  const Eigen::MatrixXd R = checked(cotangent(F));
  Eigen::MatrixXd Rt = R;  // R̃ = P R
  product::tangent_project_in_place(X, Rt);
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(d, n);
  for (std::size_t h = 0; h < heads.size(); ++h) {
    const AttentionHead& head = heads[h];
    const Eigen::MatrixXd& W = weights[h];
    G.noalias() += head.V.transpose() * (Rt * W.transpose());
    if (beta != 0.0) {
      Eigen::MatrixXd S = (head.V * X).transpose() * Rt;  // (l, i) = ⟨V x_l, r̃_i⟩
      if (c != 0.0) S.rowwise() -= head_D[h].cwiseProduct(Rt).colwise().sum();
      S = W.cwiseProduct(S);
      G.noalias() += beta * ((head.A * X) * S);
      G.noalias() += beta * (head.A.transpose() * X * S.transpose());
    }
  }
  G *= options_.sign;
  for (Eigen::Index k = 0; k < n; ++k) {
    G.col(k) -= X.col(k).dot(D.col(k)) * R.col(k) + D.col(k) * X.col(k).dot(R.col(k));
  }
  if (velocity != nullptr) *velocity = std::move(F);
  return G;
}

}  // namespace varsphere
