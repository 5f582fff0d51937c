#include "python_lagrangian.hpp"

#include <varsphere/core/error.hpp>

#include "arrays.hpp"

namespace varsphere::python {

namespace {

Eigen::VectorXd call_residual(const py::object& f, double t, const Eigen::MatrixXd& X,
                              const Eigen::MatrixXd& V, Eigen::Index size) {
  py::object out = f(t, to_rows(X), to_rows(V));
  const ArrayView r(out, 1, "LeastSquaresLagrangian: residual(t, X, V)", "shape (m,)");
  if (r.dim(0) != size) {
    throw InvalidInput("LeastSquaresLagrangian: residual returned " + std::to_string(r.dim(0)) +
                       " entries, first " + std::to_string(size));
  }
  Eigen::VectorXd v = Eigen::Map<const Eigen::VectorXd>(r.data(), size);
  if (!v.allFinite()) throw InvalidInput("LeastSquaresLagrangian: residual is not finite");
  return v;
}

Eigen::MatrixXd jacobian_block(const py::handle& object, Eigen::Index m, Eigen::Index nd,
                               const char* what) {
  const py::array a = py::array::ensure(object);
  if (!a || (a.ndim() != 2 && a.ndim() != 3)) {
    PyErr_Clear();
    throw InvalidInput(std::string("LeastSquaresLagrangian: ") + what +
                       " must be an (m, n, d) or (m, n*d) array");
  }
  const ArrayView view(a.attr("reshape")(py::make_tuple(a.shape(0), -1)), 2, what, "(m, n*d)");
  if (view.dim(0) != m || view.dim(1) != nd) {
    throw InvalidInput(std::string("LeastSquaresLagrangian: ") + what + " has shape (" +
                       std::to_string(view.dim(0)) + ", " + std::to_string(view.dim(1)) +
                       "), expected (" + std::to_string(m) + ", " + std::to_string(nd) + ")");
  }
  Eigen::MatrixXd J = Eigen::Map<const Eigen::MatrixXd>(view.data(), nd, m).transpose();
  if (!J.allFinite()) throw InvalidInput(std::string("LeastSquaresLagrangian: ") + what + " is not finite");
  return J;
}

}  // namespace

void PythonLagrangian::residuals(double t, const Eigen::MatrixXd& X, const Eigen::MatrixXd& V,
                                 Eigen::VectorXd& r) const {
  py::gil_scoped_acquire gil;
  r = call_residual(*residual_, t, X, V, size_);
}

void PythonLagrangian::residual_jacobians(double t, const Eigen::MatrixXd& X,
                                          const Eigen::MatrixXd& V, Eigen::VectorXd& r,
                                          Eigen::MatrixXd& JX, Eigen::MatrixXd& JV) const {
  py::gil_scoped_acquire gil;
  const Eigen::Index nd = X.size();
  r = call_residual(*residual_, t, X, V, size_);
  if (!jacobian_->is_none()) {
    py::object out = (*jacobian_)(t, to_rows(X), to_rows(V));
    if (!py::isinstance<py::tuple>(out) || py::len(out) != 2) {
      throw InvalidInput("LeastSquaresLagrangian: jacobian must return a tuple (JX, JV)");
    }
    const py::tuple pair = out.cast<py::tuple>();
    JX = jacobian_block(pair[0], size_, nd, "JX");
    JV = jacobian_block(pair[1], size_, nd, "JV");
    return;
  }
  // Central differences in every ambient coordinate (column k = ∂/∂ of entry k of X.data()).
  JX.resize(size_, nd);
  JV.resize(size_, nd);
  for (int which = 0; which < 2; ++which) {
    Eigen::MatrixXd P = which == 0 ? X : V;
    Eigen::MatrixXd& J = which == 0 ? JX : JV;
    for (Eigen::Index k = 0; k < nd; ++k) {
      const double saved = P.data()[k];
      P.data()[k] = saved + fd_step_;
      const Eigen::VectorXd plus =
          which == 0 ? call_residual(*residual_, t, P, V, size_) : call_residual(*residual_, t, X, P, size_);
      P.data()[k] = saved - fd_step_;
      const Eigen::VectorXd minus =
          which == 0 ? call_residual(*residual_, t, P, V, size_) : call_residual(*residual_, t, X, P, size_);
      P.data()[k] = saved;
      J.col(k) = (plus - minus) / (2 * fd_step_);
    }
  }
}

}  // namespace varsphere::python
