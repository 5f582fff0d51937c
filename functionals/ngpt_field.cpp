#include <varsphere/functionals/ngpt_field.hpp>

#include <varsphere/functionals/jet_velocity_jacobian.hpp>

namespace varsphere {

Eigen::MatrixXd NgptField::velocity_jacobian(double t, const Eigen::Ref<const Eigen::MatrixXd>& X,
                                             Eigen::MatrixXd* velocity) const {
  return jet_velocity_jacobian(*this, t, X, velocity);
}

}  // namespace varsphere
