// What the flow integrator needs from a vector field on (S^{d-1})^n (docs/math.md §2), as a small
// non-template interface: the integrator (Boost.Odeint, step control, saving, Pre-LN) is compiled
// once in the library, and any field — AttentionField or a user functor — reaches it through
// FieldAdapter, the thin template edge built by `integrate(field, ...)`.
//
// A field is any object with
//     void operator()(double t, const Eigen::MatrixXd& X, Eigen::MatrixXd& dX) const;
// writing the tangent velocity dX = F(t, X) (d×n, a column per token). Optionally it provides
//     void unprojected_velocity(double t, const Eigen::MatrixXd& X, Eigen::MatrixXd& D) const;
// the velocity before the tangent projection (F = P_X D), which the published Euler scheme steps
// along and Pre-LN integrates; and a scratch type
//     using Workspace = ...;  velocity(t, X, dX, ws); unprojected_velocity(t, X, D, ws);
// that the adapter owns for the whole run (AttentionField: no allocation per step).
#pragma once

#include <Eigen/Core>
#include <concepts>

namespace varsphere {

/// A vector field callable as F(t, X, dX) in double precision.
template <class F>
concept VectorField = requires(const F& f, double t, const Eigen::MatrixXd& X,
                               Eigen::MatrixXd& dX) {
  f(t, X, dX);
};

/// A field that exposes its velocity before the tangent projection.
template <class F>
concept HasUnprojectedVelocity = requires(const F& f, double t, const Eigen::MatrixXd& X,
                                          Eigen::MatrixXd& D) {
  f.unprojected_velocity(t, X, D);
};

/// A field whose evaluation uses caller-owned scratch memory.
template <class F>
concept HasWorkspace = requires(const F& f, double t, const Eigen::MatrixXd& X, Eigen::MatrixXd& dX,
                                typename F::Workspace& ws) {
  f.velocity(t, X, dX, ws);
  f.unprojected_velocity(t, X, dX, ws);
};

/// The integrator's view of a field. Non-const: an evaluation may reuse scratch memory.
class FlowField {
 public:
  virtual ~FlowField() = default;
  /// dX = F(t, X), tangent (dX is resized to X's shape).
  virtual void velocity(double t, const Eigen::MatrixXd& X, Eigen::MatrixXd& dX) = 0;
  /// D with F = P_X D; fields without one return their velocity (then has_unprojected() is false).
  virtual void unprojected_velocity(double t, const Eigen::MatrixXd& X, Eigen::MatrixXd& D) = 0;
  virtual bool has_unprojected() const = 0;
};

/// Adapts any VectorField to FlowField (the template edge of `integrate`).
template <VectorField Field>
class FieldAdapter final : public FlowField {
 public:
  explicit FieldAdapter(const Field& field) : field_(field) {}
  void velocity(double t, const Eigen::MatrixXd& X, Eigen::MatrixXd& dX) override {
    dX.resize(X.rows(), X.cols());
    if constexpr (HasWorkspace<Field>) {
      field_.velocity(t, X, dX, workspace_);
    } else {
      field_(t, X, dX);
    }
  }
  void unprojected_velocity(double t, const Eigen::MatrixXd& X, Eigen::MatrixXd& D) override {
    D.resize(X.rows(), X.cols());
    if constexpr (HasWorkspace<Field>) {
      field_.unprojected_velocity(t, X, D, workspace_);
    } else if constexpr (HasUnprojectedVelocity<Field>) {
      field_.unprojected_velocity(t, X, D);
    } else {
      field_(t, X, D);
    }
  }
  bool has_unprojected() const override { return HasUnprojectedVelocity<Field>; }

 private:
  struct NoWorkspace {};
  template <class F>
  static auto workspace_type() {
    if constexpr (HasWorkspace<F>) {
      return typename F::Workspace{};
    } else {
      return NoWorkspace{};
    }
  }
  const Field& field_;
  [[no_unique_address]] decltype(workspace_type<Field>()) workspace_{};
};

}  // namespace varsphere
