// The nGPT placement as a field on (S^{d-1})^n (docs/math.md §2.2): ẋ_i = α P_{x_i} D_i/‖D_i‖ with D
// the attention field's unprojected velocity. Integrated with the Post-LN integrator it is the
// nGPT flow (the integrator's --norm ngpt computes the same); as a functor for double and Jets with
// a Jacobian by Jets it also serves the flow-matching Lagrangian, so the BVP works for nGPT.
#pragma once

#include <Eigen/Core>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/attention_field.hpp>

namespace varsphere {

class NgptField {
 public:
  /// Throws InvalidInput unless α > 0 and finite.
  NgptField(AttentionField field, double alpha) : field_(std::move(field)), alpha_(alpha) {
    if (!(alpha_ > 0) || !std::isfinite(alpha_)) throw InvalidInput("nGPT field: alpha must be > 0");
  }
  const AttentionField& attention() const { return field_; }
  double alpha() const { return alpha_; }

  template <class T>
  void operator()(const T& t, const Eigen::Matrix<T, -1, -1>& X, Eigen::Matrix<T, -1, -1>& dX) const {
    using std::sqrt;
    field_.unprojected_velocity(t, X, dX);
    for (Eigen::Index i = 0; i < dX.cols(); ++i) {
      const T norm = sqrt(dX.col(i).squaredNorm());
      if (value_of(norm) > 0) dX.col(i) *= T(alpha_) / norm;
    }
    product::tangent_project_in_place(X, dX);
  }
  /// ∂F/∂X by Jets (functionals/jet_velocity_jacobian.hpp), F written to *velocity.
  Eigen::MatrixXd velocity_jacobian(double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
                                    Eigen::MatrixXd* velocity = nullptr) const;

 private:
  AttentionField field_;
  double alpha_;
};

}  // namespace varsphere
