#include <varsphere/solvers/attention_family.hpp>

#include <Eigen/SVD>
#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>

namespace varsphere {
namespace {

Eigen::Index symmetric_size(Eigen::Index d) { return d * (d + 1) / 2; }

// A symmetric matrix from its upper triangle, column by column, and the map's d²×(d(d+1)/2)
// Jacobian.
Eigen::MatrixXd symmetric_from(const Eigen::Ref<const Eigen::VectorXd>& u, Eigen::Index d) {
  Eigen::MatrixXd M(d, d);
  Eigen::Index j = 0;
  for (Eigen::Index q = 0; q < d; ++q)
    for (Eigen::Index p = 0; p <= q; ++p, ++j) M(p, q) = M(q, p) = u(j);
  return M;
}
Eigen::MatrixXd symmetric_jacobian(Eigen::Index d) {
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(d * d, symmetric_size(d));
  Eigen::Index j = 0;
  for (Eigen::Index q = 0; q < d; ++q)
    for (Eigen::Index p = 0; p <= q; ++p, ++j) J(p + q * d, j) = J(q + p * d, j) = 1.0;
  return J;
}
Eigen::VectorXd upper_of(const Eigen::MatrixXd& M, const char* what) {
  const Eigen::Index d = M.rows();
  if ((M - M.transpose()).cwiseAbs().maxCoeff() > 1e-12 * std::max(1.0, M.cwiseAbs().maxCoeff())) {
    throw InvalidInput(std::string("attention family: ") + what + " is not symmetric");
  }
  Eigen::VectorXd u(symmetric_size(d));
  Eigen::Index j = 0;
  for (Eigen::Index q = 0; q < d; ++q)
    for (Eigen::Index p = 0; p <= q; ++p, ++j) u(j) = M(p, q);
  return u;
}

}  // namespace

std::string to_string(ScoreFamily f) {
  switch (f) {
    case ScoreFamily::Full: return "full";
    case ScoreFamily::Symmetric: return "symmetric";
    case ScoreFamily::LowRank: return "low-rank";
    case ScoreFamily::Scalar: return "scalar";
  }
  return "?";
}
std::string to_string(ValueFamily f) {
  switch (f) {
    case ValueFamily::Full: return "full";
    case ValueFamily::Symmetric: return "symmetric";
    case ValueFamily::Tied: return "tied";
    case ValueFamily::Identity: return "identity";
  }
  return "?";
}
std::string to_string(TimeDependence f) {
  switch (f) {
    case TimeDependence::Constant: return "constant";
    case TimeDependence::Piecewise: return "piecewise";
    case TimeDependence::Smooth: return "smooth";
  }
  return "?";
}
ScoreFamily parse_score_family(const std::string& name) {
  for (ScoreFamily f : {ScoreFamily::Full, ScoreFamily::Symmetric, ScoreFamily::LowRank, ScoreFamily::Scalar})
    if (to_string(f) == name) return f;
  throw InvalidInput("score family '" + name + "' (full, symmetric, low-rank, scalar)");
}
ValueFamily parse_value_family(const std::string& name) {
  for (ValueFamily f : {ValueFamily::Full, ValueFamily::Symmetric, ValueFamily::Tied, ValueFamily::Identity})
    if (to_string(f) == name) return f;
  throw InvalidInput("value family '" + name + "' (full, symmetric, tied, identity)");
}
TimeDependence parse_time_dependence(const std::string& name) {
  for (TimeDependence f : {TimeDependence::Constant, TimeDependence::Piecewise, TimeDependence::Smooth})
    if (to_string(f) == name) return f;
  throw InvalidInput("time dependence '" + name + "' (constant, piecewise, smooth)");
}

void AttentionFamily::validate() const {
  if (d < 2) throw InvalidInput("attention family: d = " + std::to_string(d) + " but d >= 2 needed");
  if (heads < 1) throw InvalidInput("attention family: at least one head is needed");
  if (score == ScoreFamily::LowRank && (rank < 1 || rank > d)) {
    throw InvalidInput("attention family: rank " + std::to_string(rank) + " outside [1, d = " +
                       std::to_string(d) + "]");
  }
  if (normalization != AttentionNormalization::Softmax &&
      normalization != AttentionNormalization::Unnormalized) {
    throw InvalidInput("attention family: only SA and USA attention can be fitted");
  }
  if (blocks < 1) throw InvalidInput("attention family: at least one time block is needed");
  if (time == TimeDependence::Constant && blocks != 1) {
    throw InvalidInput("attention family: a constant family has one block");
  }
  if (!(t1 > t0) || !std::isfinite(t0) || !std::isfinite(t1)) {
    throw InvalidInput("attention family: the time range needs t0 < t1");
  }
}

Eigen::Index AttentionFamily::score_size() const {
  switch (score) {
    case ScoreFamily::Full: return d * d;
    case ScoreFamily::Symmetric: return symmetric_size(d);
    case ScoreFamily::LowRank: return 2 * rank * d;
    case ScoreFamily::Scalar: return 1;
  }
  return 0;
}

Eigen::Index AttentionFamily::value_size() const {
  switch (value) {
    case ValueFamily::Full: return d * d;
    case ValueFamily::Symmetric: return symmetric_size(d);
    case ValueFamily::Tied:
    case ValueFamily::Identity: return 0;
  }
  return 0;
}

Eigen::Index AttentionFamily::gauge_dimension() const {
  // (Q, K) → (GQ, G⁻ᵀK) keeps A = QᵀK unless V is tied to it (then still A).
  return score == ScoreFamily::LowRank ? Eigen::Index(heads) * rank * rank * time_blocks() : 0;
}

Eigen::VectorXd AttentionFamily::block_weights(double t) const {
  const int B = time_blocks();
  Eigen::VectorXd w = Eigen::VectorXd::Zero(B);
  if (time == TimeDependence::Constant) {
    w(0) = 1;
  } else if (time == TimeDependence::Piecewise) {
    const int b = static_cast<int>(std::floor((t - t0) / (t1 - t0) * B));
    w(std::clamp(b, 0, B - 1)) = 1;
  } else {
    const double tau = std::clamp(2 * (t - t0) / (t1 - t0) - 1, -1.0, 1.0);
    // Legendre recurrence (m+1) P_{m+1} = (2m+1) τ P_m − m P_{m−1}.
    w(0) = 1;
    if (B > 1) w(1) = tau;
    for (int m = 1; m + 1 < B; ++m) w(m + 1) = ((2 * m + 1) * tau * w(m) - m * w(m - 1)) / (m + 1);
  }
  return w;
}

AttentionHead AttentionFamily::head_of(const Eigen::Ref<const Eigen::VectorXd>& u) const {
  AttentionHead head;
  const Eigen::Index s = score_size();
  switch (score) {
    case ScoreFamily::Full: head.A = Eigen::Map<const Eigen::MatrixXd>(u.data(), d, d); break;
    case ScoreFamily::Symmetric: head.A = symmetric_from(u.head(s), d); break;
    case ScoreFamily::Scalar: head.A = u(0) * Eigen::MatrixXd::Identity(d, d); break;
    case ScoreFamily::LowRank: {
      const Eigen::MatrixXd Q = Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(u.data(), rank, d);
      const Eigen::MatrixXd K = Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(u.data() + rank * d, rank, d);
      head.A = Q.transpose() * K;
      break;
    }
  }
  switch (value) {
    case ValueFamily::Full: head.V = Eigen::Map<const Eigen::MatrixXd>(u.data() + s, d, d); break;
    case ValueFamily::Symmetric: head.V = symmetric_from(u.segment(s, symmetric_size(d)), d); break;
    case ValueFamily::Tied: head.V = head.A; break;
    case ValueFamily::Identity: head.V = Eigen::MatrixXd::Identity(d, d); break;
  }
  return head;
}

void AttentionFamily::head_jacobians(const Eigen::Ref<const Eigen::VectorXd>& u, Eigen::MatrixXd& dA,
                                     Eigen::MatrixXd& dV) const {
  const Eigen::Index s = score_size(), p = head_size();
  dA = Eigen::MatrixXd::Zero(d * d, p);
  dV = Eigen::MatrixXd::Zero(d * d, p);
  switch (score) {
    case ScoreFamily::Full: dA.leftCols(s).setIdentity(); break;
    case ScoreFamily::Symmetric: dA.leftCols(s) = symmetric_jacobian(d); break;
    case ScoreFamily::Scalar:
      for (Eigen::Index a = 0; a < d; ++a) dA(a + a * d, 0) = 1;
      break;
    case ScoreFamily::LowRank:
      // A_pq = Σ_ρ Q(ρ,p) K(ρ,q): ∂A_pq/∂Q(ρ,p) = K(ρ,q), ∂A_pq/∂K(ρ,q) = Q(ρ,p).
      for (int r = 0; r < rank; ++r)
        for (Eigen::Index p0 = 0; p0 < d; ++p0)
          for (Eigen::Index q = 0; q < d; ++q) {
            dA(p0 + q * d, r * d + p0) += u(rank * d + r * d + q);
            dA(p0 + q * d, rank * d + r * d + q) += u(r * d + p0);
          }
      break;
  }
  switch (value) {
    case ValueFamily::Full: dV.middleCols(s, d * d).setIdentity(); break;
    case ValueFamily::Symmetric: dV.middleCols(s, symmetric_size(d)) = symmetric_jacobian(d); break;
    case ValueFamily::Tied: dV = dA; break;
    case ValueFamily::Identity: break;
  }
}

Eigen::VectorXd AttentionFamily::numbers_at(const Eigen::VectorXd& theta, double t) const {
  const Eigen::VectorXd w = block_weights(t);
  const Eigen::Index Bs = block_size();
  Eigen::VectorXd u = Eigen::VectorXd::Zero(Bs);
  for (int b = 0; b < w.size(); ++b)
    if (w(b) != 0) u += w(b) * theta.segment(b * Bs, Bs);
  return u;
}

std::vector<AttentionHead> AttentionFamily::heads_of(const Eigen::VectorXd& u) const {
  std::vector<AttentionHead> out;
  for (int h = 0; h < heads; ++h) out.push_back(head_of(u.segment(h * head_size(), head_size())));
  return out;
}

std::vector<std::vector<AttentionHead>> AttentionFamily::block_heads(const Eigen::VectorXd& theta) const {
  std::vector<std::vector<AttentionHead>> out;
  for (int b = 0; b < time_blocks(); ++b) out.push_back(heads_of(theta.segment(b * block_size(), block_size())));
  return out;
}

std::vector<AttentionHead> AttentionFamily::heads_at(const Eigen::VectorXd& theta, double t) const {
  return heads_of(numbers_at(theta, t));
}

AttentionOptions AttentionFamily::field_options() const {
  AttentionOptions options;
  options.normalization = normalization;
  options.beta = 1.0;
  options.bias = bias;
  return options;
}

Eigen::VectorXd AttentionFamily::identity_parameters(double a, double jitter,
                                                     std::uint64_t seed) const {
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(d, d);
  std::vector<AttentionHead> heads_identity(heads, AttentionHead{a * I, value == ValueFamily::Tied ? a * I : I});
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(parameter_count());
  if (score == ScoreFamily::LowRank) {
    Eigen::VectorXd u = Eigen::VectorXd::Zero(head_size());
    for (int r = 0; r < rank; ++r) {
      u(r * d + r) = std::sqrt(a);
      u(rank * d + r * d + r) = std::sqrt(a);
    }
    if (value == ValueFamily::Full) Eigen::Map<Eigen::MatrixXd>(u.data() + score_size(), d, d) = I;
    if (value == ValueFamily::Symmetric) u.segment(score_size(), value_size()) = upper_of(I, "V");
    for (int h = 0; h < heads; ++h) theta.segment(h * head_size(), head_size()) = u;
    if (time == TimeDependence::Piecewise)
      for (int b = 1; b < blocks; ++b) theta.segment(b * block_size(), block_size()) = theta.head(block_size());
  } else {
    theta = parameters_of(heads_identity);
  }
  if (jitter > 0) {
    Rng rng(seed);
    theta += jitter * rng.normal_vector(theta.size());
  }
  return theta;
}

Eigen::VectorXd AttentionFamily::parameters_of(const std::vector<AttentionHead>& given) const {
  if (static_cast<int>(given.size()) != heads) {
    throw InvalidInput("attention family: " + std::to_string(given.size()) + " heads given, " +
                       std::to_string(heads) + " in the family");
  }
  Eigen::VectorXd block(block_size());
  for (int h = 0; h < heads; ++h) {
    const AttentionHead& g = given[h];
    Eigen::VectorXd u(head_size());
    const Eigen::Index s = score_size();
    switch (score) {
      case ScoreFamily::Full: u.head(s) = Eigen::Map<const Eigen::VectorXd>(g.A.data(), d * d); break;
      case ScoreFamily::Symmetric: u.head(s) = upper_of(g.A, "A"); break;
      case ScoreFamily::Scalar: {
        const double a = g.A.trace() / double(d);
        if ((g.A - a * Eigen::MatrixXd::Identity(d, d)).cwiseAbs().maxCoeff() > 1e-12 * std::max(1.0, std::abs(a))) {
          throw InvalidInput("attention family: A is not a multiple of the identity");
        }
        u(0) = a;
        break;
      }
      case ScoreFamily::LowRank: {
        const Eigen::JacobiSVD<Eigen::MatrixXd> svd(g.A, Eigen::ComputeFullU | Eigen::ComputeFullV);
        for (int r = 0; r < rank; ++r) {
          const double root = std::sqrt(svd.singularValues()(r));
          for (Eigen::Index p = 0; p < d; ++p) {
            u(r * d + p) = root * svd.matrixU()(p, r);
            u(rank * d + r * d + p) = root * svd.matrixV()(p, r);
          }
        }
        break;
      }
    }
    switch (value) {
      case ValueFamily::Full: u.segment(s, d * d) = Eigen::Map<const Eigen::VectorXd>(g.V.data(), d * d); break;
      case ValueFamily::Symmetric: u.segment(s, value_size()) = upper_of(g.V, "V"); break;
      case ValueFamily::Tied:
        if ((g.V - g.A).cwiseAbs().maxCoeff() > 1e-12 * std::max(1.0, g.A.cwiseAbs().maxCoeff()))
          throw InvalidInput("attention family: V is tied to A but differs from it");
        break;
      case ValueFamily::Identity:
        if ((g.V - Eigen::MatrixXd::Identity(d, d)).cwiseAbs().maxCoeff() > 1e-12)
          throw InvalidInput("attention family: V is the identity in this family");
        break;
    }
    block.segment(h * head_size(), head_size()) = u;
  }
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(parameter_count());
  if (time == TimeDependence::Smooth) {
    theta.head(block_size()) = block;  // on P_0 ≡ 1
  } else {
    for (int b = 0; b < time_blocks(); ++b) theta.segment(b * block_size(), block_size()) = block;
  }
  return theta;
}

std::string AttentionFamily::parameter_name(Eigen::Index j) const {
  const Eigen::Index b = j / block_size(), h = (j % block_size()) / head_size(),
                     k = j % head_size(), s = score_size();
  std::string where = (time_blocks() > 1 ? (time == TimeDependence::Smooth ? "P" + std::to_string(b) + " " : "block " + std::to_string(b + 1) + " ") : std::string()) +
                      (heads > 1 ? "head " + std::to_string(h + 1) + " " : std::string());
  auto entry = [&](const char* M, Eigen::Index i, bool symmetric) {
    if (!symmetric) return std::string(M) + "(" + std::to_string(i % d + 1) + "," + std::to_string(i / d + 1) + ")";
    Eigen::Index q = 0;
    while ((q + 1) * (q + 2) / 2 <= i) ++q;
    return std::string(M) + "(" + std::to_string(i - q * (q + 1) / 2 + 1) + "," + std::to_string(q + 1) + ")";
  };
  if (k < s) {
    switch (score) {
      case ScoreFamily::Full: return where + entry("A", k, false);
      case ScoreFamily::Symmetric: return where + entry("A", k, true);
      case ScoreFamily::Scalar: return where + "beta";
      case ScoreFamily::LowRank:
        return where + (k < rank * d ? "Q(" + std::to_string(k / d + 1) + "," + std::to_string(k % d + 1) + ")"
                                     : "K(" + std::to_string((k - rank * d) / d + 1) + "," + std::to_string((k - rank * d) % d + 1) + ")");
    }
  }
  return where + entry("V", k - s, value == ValueFamily::Symmetric);
}

}  // namespace varsphere
