// The self-attention vector field on (S^{d-1})^n (docs/math.md §2, GLPR):
//
//   dx_i/dt = sign · P_{x_i}( Σ_h Σ_j w^h_ij(t) V_h(t) x_j ),
//   SA  (softmax):      w^h_ij = exp(β⟨x_i, A_h x_j⟩) / Σ_k exp(β⟨x_i, A_h x_k⟩)
//   USA (unnormalized): w^h_ij = exp(β⟨x_i, A_h x_j⟩) / n
// optionally with an additive score bias b_ij (a causal mask, ALiBi, a user matrix; §2.6):
//   w^h_ij ∝ exp(β⟨x_i, A_h x_j⟩ + b_ij).
//
// with A_h = Q_hᵀK_h and value matrices V_h, constant or given by a user callable of time.
// `unprojected_velocity` is the sum sign·Σ_h Σ_j w^h_ij V_h x_j (the authors' Euler scheme steps
// along it, Pre-LN integrates it); the velocity is its tangent projection. Pre-LN's speed factor
// 1/‖z_i‖ is realized by the flow integrator, which carries the unnormalized stream z.
//
// Two evaluation paths compute the same quantity:
//  * a generic template for any scalar (double, ceres::Jet) — used inside Lagrangians;
//  * a fast double path (velocity/unprojected_velocity with an AttentionWorkspace). By default
//    it is the fused tiled kernel (functionals/tiled_attention.hpp): A_h·X once per head, then
//    scores, online softmax and the weighted sum tile by tile, O(nd) memory, threaded and
//    deterministic, optionally in single precision; V_h is applied to the weighted sums. The
//    dense route (AttentionKernel::Dense) forms the n×n scores — for symmetric A_h only the upper
//    triangle, with a symmetric matrix product — and is kept as the oracle of the tests.
// Softmax weights are stabilized (log-sum-exp), so β = 100 neither overflows nor gives NaN.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <varsphere/core/error.hpp>
#include <varsphere/core/scalar.hpp>
#include <varsphere/functionals/attention_normalization.hpp>
#include <varsphere/functionals/score_bias.hpp>
#include <varsphere/functionals/sinkhorn.hpp>
#include <varsphere/functionals/tiled_attention.hpp>
#include <varsphere/manifolds/product.hpp>
#include <vector>

namespace varsphere {

/// One attention head: scores ⟨x_i, A x_j⟩ with A = QᵀK, values V x_j.
enum class AttentionKernel {
  Tiled,  ///< fused tiles with an online softmax, never the n×n matrix (the default)
  Dense,  ///< the n×n score matrix (symmetric A: its upper triangle): the test oracle
};

/// "tiled", "dense"; throws InvalidInput otherwise.
AttentionKernel parse_attention_kernel(const std::string& name);
std::string to_string(AttentionKernel kernel);

struct AttentionHead {
  Eigen::MatrixXd A;
  Eigen::MatrixXd V;
};

/// Heads as a function of time (the callable is evaluated in double precision).
using HeadSchedule = std::function<std::vector<AttentionHead>(double t)>;

struct AttentionOptions {
  AttentionNormalization normalization = AttentionNormalization::Softmax;
  double beta = 1.0;  ///< inverse temperature β ≥ 0
  double sign = 1.0;  ///< +1 the Transformer flow (energy ascent for A = V = I), −1 reversed
  ScoreBias bias;     ///< mask, ALiBi, user bias (functionals/score_bias.hpp); none by default
  SinkhornOptions sinkhorn;  ///< iterations and tolerance of the Sinkhorn normalization
  /// How the double-precision fast path evaluates SA/USA: the fused tiled kernel
  /// (functionals/tiled_attention.hpp, O(nd) memory, threaded) or the dense n×n route kept as the
  /// test oracle. Sinkhorn and hardmax normalize the whole matrix and always use the dense route.
  AttentionKernel kernel = AttentionKernel::Tiled;
  int threads = 0;                         ///< threads of the tiled kernel, 0: all cores
  Precision precision = Precision::Double;  ///< Single: tiles in float32 (tiled kernel only)
};

namespace detail {
/// Hardmax weights from logits (column i = token i; −∞ masked): uniform on the keys within
/// 1e-12·max(1, |m|) of the column maximum m. Piecewise constant: Jets get zero derivatives.
template <class T>
void hardmax_weights(Eigen::Matrix<T, -1, -1>& L) {
  const Eigen::Index n = L.rows();
  for (Eigen::Index i = 0; i < L.cols(); ++i) {
    double m = -std::numeric_limits<double>::infinity();
    for (Eigen::Index j = 0; j < n; ++j) m = std::max(m, value_of(L(j, i)));
    if (m == -std::numeric_limits<double>::infinity()) throw_no_keys(i);
    const double tie = 1e-12 * std::max(1.0, std::abs(m));
    int count = 0;
    for (Eigen::Index j = 0; j < n; ++j) count += value_of(L(j, i)) >= m - tie;
    for (Eigen::Index j = 0; j < n; ++j) {
      L(j, i) = value_of(L(j, i)) >= m - tie ? T(1.0 / count) : T(0);
    }
  }
}
}  // namespace detail

/// Scratch matrices of the fast path, owned by the caller (one per thread).
struct AttentionWorkspace {
  Eigen::MatrixXd AX, S, Y;
  Eigen::VectorXd row_max, column_scale, row_sum;
};

class AttentionField {
 public:
  using Workspace = AttentionWorkspace;  ///< scratch of the fast path (solvers/flow_field.hpp)

  /// Constant heads. Throws InvalidInput for d < 2, no heads, a head that is not d×d or not
  /// finite, β < 0 or not finite, sign other than ±1.
  AttentionField(Eigen::Index d, std::vector<AttentionHead> heads, AttentionOptions options = {});
  /// Time-dependent heads from a user callable (checked at every evaluation).
  AttentionField(Eigen::Index d, HeadSchedule schedule, AttentionOptions options = {});
  /// Q = K = V = I: GLPR's SA / USA models.
  static AttentionField identity(Eigen::Index d, AttentionOptions options = {});
  /// The same field at inverse temperature β (sensitivities, continuation in β). Throws
  /// InvalidInput for β < 0 or not finite.
  AttentionField with_beta(double beta) const;

  Eigen::Index dimension() const { return d_; }
  /// The attention weights of head `h` at (t, X): row i holds w_ij (n×n; SA rows sum to 1,
  /// Sinkhorn rows and columns to 1 up to its tolerance).
  Eigen::MatrixXd weights(double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
                          std::size_t h = 0) const;
  const AttentionOptions& options() const { return options_; }
  /// The heads in force at time t (validated).
  std::vector<AttentionHead> heads_at(double t) const;

  /// Fast path: D = sign · Σ_h Σ_j w^h_ij V_h x_j (d×n, not projected).
  void unprojected_velocity(double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
                            Eigen::Ref<Eigen::MatrixXd> D, AttentionWorkspace& ws) const;
  /// Fast path: the tangent velocity dX = P_X(unprojected velocity).
  void velocity(double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
                Eigen::Ref<Eigen::MatrixXd> dX, AttentionWorkspace& ws) const;

  /// Jacobian of the velocity, ∂F_i/∂x_k as the d×d block (i, k) of an (nd)×(nd) matrix (ambient
  /// coordinates, token-major: entry (i·d + a, k·d + b) = ∂F_{i,a}/∂x_{k,b}). Closed form, O(n²d²)
  /// (docs/math.md §2): with s_il = β⟨x_i, A x_l⟩ and D_i = Σ_l w_il V x_l,
  ///   ∂D_i/∂x_k = w_ik V + β w_ik (V x_k − c D_i)(Aᵀx_i)ᵀ + δ_ik β Σ_l w_il (V x_l − c D_i)(A
  ///   x_l)ᵀ,
  /// c = 1 for SA (softmax centering) and 0 for USA, summed over heads and times the sign; then
  ///   ∂F_i/∂x_k = P_i ∂D_i/∂x_k − δ_ik (⟨x_i, D_i⟩ I + x_i D_iᵀ).
  /// If `velocity` is given, F itself (computed on the way) is written there.
  Eigen::MatrixXd velocity_jacobian(double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
                                    Eigen::MatrixXd* velocity = nullptr) const;

  /// The vector-Jacobian product (∂F/∂X)ᵀR as a d×n matrix (column k = Σ_i (∂F_i/∂x_k)ᵀ r_i), in
  /// O(n²d) without forming the Jacobian (Sinkhorn: through velocity_jacobian). Per head, with
  /// R̃ = P R (columns P_i r_i), S = (VX)ᵀR̃ − c·1 qᵀ, q_i = ⟨D_i, r̃_i⟩ and W(l, i) = w_il:
  ///   Vᵀ R̃ Wᵀ + β (A X (W∘S) + Aᵀ X (W∘S)ᵀ),
  /// summed over heads, times the sign; then column k −= ⟨x_k, D_k⟩ r_k + D_k ⟨x_k, r_k⟩.
  /// If `velocity` is given, F itself is written there.
  Eigen::MatrixXd velocity_vjp(double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
                               const Eigen::Ref<const Eigen::MatrixXd>& R,
                               Eigen::MatrixXd* velocity = nullptr) const;
  /// The same for a cotangent that depends on F itself, R = cotangent(F) (a residual's, as in
  /// flow matching): the weights are computed once for both.
  Eigen::MatrixXd velocity_vjp(double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
                               const std::function<Eigen::MatrixXd(const Eigen::MatrixXd& F)>& cotangent,
                               Eigen::MatrixXd* velocity = nullptr) const;

  /// The unprojected velocity for any scalar (double or Jet); the double overload uses the fast
  /// path.
  template <class T>
  void unprojected_velocity(const T& t, const Eigen::Matrix<T, -1, -1>& X,
                            Eigen::Matrix<T, -1, -1>& D) const;
  /// The vector field dX = F(t, X) (tangent), for any scalar.
  template <class T>
  void operator()(const T& t, const Eigen::Matrix<T, -1, -1>& X,
                  Eigen::Matrix<T, -1, -1>& dX) const {
    unprojected_velocity(t, X, dX);
    product::tangent_project_in_place(X, dX);
  }

 private:
  void check_input(const Eigen::Ref<const Eigen::MatrixXd>& X) const;
  void logits_to_weights(Eigen::MatrixXd& S, const ScoreBias& bias) const;
  void scores_to_weights(Eigen::MatrixXd& S, const ScoreBias& bias) const;
  /// The bias at time t: options_.bias itself, or its schedule resolved into `storage`.
  const ScoreBias& bias_at(double t, ScoreBias& storage) const;
  void add_head(const AttentionHead& head, const ScoreBias& bias, const Eigen::Ref<const Eigen::MatrixXd>& X,
                Eigen::Ref<Eigen::MatrixXd> D, AttentionWorkspace& ws) const;

  Eigen::Index d_;
  std::vector<AttentionHead> heads_;
  HeadSchedule schedule_;
  AttentionOptions options_;
};

template <class T>
void AttentionField::unprojected_velocity(const T& t, const Eigen::Matrix<T, -1, -1>& X,
                                          Eigen::Matrix<T, -1, -1>& D) const {
  using std::exp;
  if constexpr (std::is_same_v<T, double>) {
    AttentionWorkspace ws;
    D.resize(X.rows(), X.cols());
    unprojected_velocity(t, X, D, ws);
  } else {
    const Eigen::Index n = X.cols();
    if (X.rows() != d_) throw InvalidInput("attention field: tokens have the wrong dimension");
    D.setZero(d_, n);
    Eigen::Matrix<T, -1, -1> W(n, n);  // W(j, i): weight of token j in the update of token i
    for (const AttentionHead& head : heads_at(value_of(t))) {
      // Multiplications by an identity A or V are skipped: in Jet arithmetic they are not free.
      const Eigen::Matrix<T, -1, -1> AX =
          head.A.isIdentity(0.0) ? X : Eigen::Matrix<T, -1, -1>(head.A.cast<T>() * X);
      ScoreBias storage;
      const ScoreBias& bias = bias_at(value_of(t), storage);
      bias.check_size(n);
      for (Eigen::Index i = 0; i < n; ++i) {
        const Eigen::Index keys = bias.key_count(i, n);
        std::vector<bool> open(static_cast<std::size_t>(n), false);
        for (Eigen::Index j = 0; j < n; ++j) {
          const double b = j < keys ? (bias.empty() ? 0.0 : bias(i, j, n))
                                    : -std::numeric_limits<double>::infinity();
          open[j] = b != -std::numeric_limits<double>::infinity();
          W(j, i) = open[j] ? T(options_.beta) * X.col(i).dot(AX.col(j)) + T(b) : T(0);
          if (options_.normalization == AttentionNormalization::Hardmax ||
              options_.normalization == AttentionNormalization::Sinkhorn) {
            // Logits for the whole-matrix normalizations below (hardmax: scores, masks only).
            const double hard_bias = b == -std::numeric_limits<double>::infinity() ? b : 0.0;
            W(j, i) = options_.normalization == AttentionNormalization::Hardmax
                          ? (open[j] ? X.col(i).dot(AX.col(j)) : T(hard_bias))
                          : (open[j] ? W(j, i) : T(b));
          }
        }
        if (options_.normalization == AttentionNormalization::Hardmax ||
            options_.normalization == AttentionNormalization::Sinkhorn) {
          continue;
        }
        if (options_.normalization == AttentionNormalization::Softmax) {
          double max_score = -std::numeric_limits<double>::infinity();
          for (Eigen::Index j = 0; j < n; ++j) {
            if (open[j]) max_score = std::max(max_score, value_of(W(j, i)));
          }
          if (max_score == -std::numeric_limits<double>::infinity()) throw_no_keys(i);
          T total = T(0);
          for (Eigen::Index j = 0; j < n; ++j) {
            // A constant shift cancels in the softmax.
            W(j, i) = open[j] ? T(exp(W(j, i) - T(max_score))) : T(0);
            total += W(j, i);
          }
          W.col(i) /= total;
        } else {
          for (Eigen::Index j = 0; j < n; ++j) {
            W(j, i) = open[j] ? T(exp(W(j, i)) / T(double(n))) : T(0);
          }
        }
      }
      if (options_.normalization == AttentionNormalization::Hardmax) {
        detail::hardmax_weights(W);
      } else if (options_.normalization == AttentionNormalization::Sinkhorn) {
        sinkhorn_weights(W, options_.sinkhorn);
      }
      if (head.V.isIdentity(0.0)) {
        D += X * W;
      } else {
        D += head.V.cast<T>() * (X * W);
      }
    }
    D *= T(options_.sign);
  }
}

}  // namespace varsphere
