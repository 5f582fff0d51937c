// The Boost.Odeint steppers varsphere uses, with Eigen matrices as states. Included only by the
// library's .cpp files that integrate ODEs (flow_integrator.cpp, equiangular.cpp, shooting.cpp), so
// no user translation unit parses Odeint.
#pragma once

#include <Eigen/Core>
#include <boost/numeric/odeint/algebra/vector_space_algebra.hpp>
#include <boost/numeric/odeint/external/eigen/eigen_algebra.hpp>
#include <boost/numeric/odeint/external/eigen/eigen_resize.hpp>
#include <boost/numeric/odeint/integrate/integrate_adaptive.hpp>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>

// Eigen 3.4 gives matrices begin()/end(), which makes Boost.Odeint (1.74) take them for ranges
// and copy element-wise through a vector-only iterator: copy Eigen states by assignment.
namespace boost::numeric::odeint {
template <>
struct copy_impl<Eigen::MatrixXd, Eigen::MatrixXd> {
  static void copy(const Eigen::MatrixXd& from, Eigen::MatrixXd& to) { to = from; }
};
}  // namespace boost::numeric::odeint
