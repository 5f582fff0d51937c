// varsphere.LeastSquaresLagrangian: a Lagrangian L = ½|r(t, X, V)|² written in Python for
// prototyping (docs/python.md, "A Lagrangian in Python"). It is an AnalyticLeastSquaresLagrangian
// (functionals/lagrangian.hpp), so the BVP solver, the discrete action and checkEL use it through
// LagrangianStepModel exactly as they use the shipped Lagrangians:
//  * residual(t, X, V) -> (m,) with X, V (n, d) arrays (rows are tokens);
//  * jacobian(t, X, V) -> (JX, JV), each (m, n, d) or (m, n·d): ∂r/∂X and ∂r/∂V in ambient
//    coordinates (column i·d + a = ∂/∂x_{i,a}, i.e. acting on X.ravel()); without it, central
//    differences of step h in every ambient coordinate (4·n·d residual calls per Jacobian, error
//    O(h²)).
// The Jet call (the concept's forward-mode derivative) is the chain rule through these Jacobians:
// r(X + εẊ, V + εV̇) = r + ε (JX Ẋ + JV V̇); time is not differentiated (the library never does).
// Every call takes the GIL: this is orders of magnitude slower than a C++ Lagrangian.
#pragma once

#include <pybind11/pybind11.h>

#include <Eigen/Core>
#include <memory>
#include <varsphere/functionals/lagrangian.hpp>

namespace varsphere::python {

namespace py = pybind11;

class PythonLagrangian {
 public:
  PythonLagrangian(std::shared_ptr<py::object> residual, std::shared_ptr<py::object> jacobian,
                   double fd_step, Eigen::Index size)
      : residual_(std::move(residual)), jacobian_(std::move(jacobian)), fd_step_(fd_step),
        size_(size) {}

  Eigen::Index residual_size(Eigen::Index, Eigen::Index) const { return size_; }

  void residuals(double t, const Eigen::MatrixXd& X, const Eigen::MatrixXd& V,
                 Eigen::VectorXd& r) const;
  template <int N>
  void residuals(const ceres::Jet<double, N>& t, const Mat<ceres::Jet<double, N>>& X,
                 const Mat<ceres::Jet<double, N>>& V, Vec<ceres::Jet<double, N>>& r) const {
    using J = ceres::Jet<double, N>;
    const Eigen::Index d = X.rows(), n = X.cols();
    Eigen::MatrixXd Xa(d, n), Va(d, n), Xv(d * n, N), Vv(d * n, N);
    for (Eigen::Index k = 0; k < d * n; ++k) {
      Xa.data()[k] = X.data()[k].a;
      Va.data()[k] = V.data()[k].a;
      Xv.row(k) = X.data()[k].v.transpose();
      Vv.row(k) = V.data()[k].v.transpose();
    }
    Eigen::VectorXd r0;
    Eigen::MatrixXd JX, JV;
    residual_jacobians(t.a, Xa, Va, r0, JX, JV);
    const Eigen::MatrixXd dr = JX * Xv + JV * Vv;
    r.resize(r0.size());
    for (Eigen::Index k = 0; k < r0.size(); ++k) r(k) = J(r0(k), dr.row(k).transpose());
  }

  template <class T>
  T operator()(const T& t, const Mat<T>& X, const Mat<T>& V) const {
    return half_squared_residual(*this, t, X, V);
  }

  void residual_jacobians(double t, const Eigen::MatrixXd& X, const Eigen::MatrixXd& V,
                          Eigen::VectorXd& r, Eigen::MatrixXd& JX, Eigen::MatrixXd& JV) const;

 private:
  std::shared_ptr<py::object> residual_, jacobian_;  // jacobian_ holds None for differences
  double fd_step_;
  Eigen::Index size_;
};

}  // namespace varsphere::python
