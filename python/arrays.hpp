// numpy ⇄ Eigen at the Python boundary (docs/python.md, "Conventions").
//
// Python tokens are rows: a configuration is an (n, d) float64 array. A C-ordered (n, d) array
// has exactly the memory of the library's d×n column-major Configuration, so `Tokens` maps it
// without a copy (pybind11 2.10's own Eigen casters would copy it for a Ref<const MatrixXd>).
// Any other input — F-ordered, strided, another dtype, a nested list — is converted once into
// a C-ordered float64 array owned by the view (`copied()` says so). Outputs are handed to numpy
// without a copy: the Eigen matrix is moved into a capsule that the array keeps alive.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <Eigen/Core>
#include <string>
#include <varsphere/core/trajectory.hpp>
#include <vector>

namespace varsphere::python {

namespace py = pybind11;

/// A C-ordered float64 view of a Python array-like with a fixed number of dimensions.
class ArrayView {
 public:
  /// Throws InvalidInput "`what`: expected <shape> ..., got ..." when ndim differs.
  ArrayView(const py::handle& object, int ndim, const std::string& what, const char* shape);
  const double* data() const { return array_.data(); }
  py::ssize_t dim(int k) const { return array_.shape(k); }
  /// True when the input had to be converted (not a C-ordered float64 array).
  bool copied() const { return copied_; }

 private:
  py::array_t<double, py::array::c_style> array_;
  bool copied_ = false;
};

/// An (n, d) configuration (or, with `allow_vector`, a single (d,) point as n = 1) as the d×n
/// column-major matrix of the C++ API, without a copy for C-ordered float64 input.
class Tokens {
 public:
  Tokens(const py::handle& object, const std::string& what, bool allow_vector = true);
  Eigen::Map<const Eigen::MatrixXd> map() const { return {view_.data(), d_, n_}; }
  Eigen::MatrixXd matrix() const { return map(); }
  Eigen::Index d() const { return d_; }
  Eigen::Index n() const { return n_; }
  bool vector_input() const { return vector_; }
  bool copied() const { return view_.copied(); }
  /// Throws InvalidInput (named `what`) unless every entry is finite and every row has norm 1
  /// to `unit_tol` (docs/python.md: points must lie on the sphere).
  const Tokens& on_sphere(double unit_tol = 1e-6) const;
  /// Throws InvalidInput unless every entry is finite.
  const Tokens& finite() const;

 private:
  ArrayView view_;
  std::string what_;
  Eigen::Index d_ = 0, n_ = 0;
  bool vector_ = false;
};

/// Same array rank as what `like` was given as: (d,) for a single point, (n, d) otherwise.
py::array to_rows(Eigen::MatrixXd&& M, bool as_vector = false);
inline py::array to_rows(const Eigen::MatrixXd& M, bool as_vector = false) {
  return to_rows(Eigen::MatrixXd(M), as_vector);
}
/// A (r, c) matrix in its natural (row-major) Python layout.
py::array to_matrix(const Eigen::MatrixXd& M);
/// A (d, d) (or any 2-D) matrix from Python, row-major as written; finite entries checked.
Eigen::MatrixXd matrix_from(const py::handle& object, const std::string& what);
py::array to_vector(const std::vector<double>& v);
py::array to_vector(const Eigen::VectorXd& v);
std::vector<double> vector_from(const py::handle& object, const std::string& what);

/// A trajectory (m, n, d) with its times (m,) → Trajectory (frames validated as configurations
/// with `unit_tol`, times finite and strictly increasing).
Trajectory trajectory_from(const py::handle& frames, const py::handle& times,
                           const std::string& what, double unit_tol = 1e-6);
/// frames (m, n, d) of a Trajectory, in one numpy array.
py::array frames_array(const Trajectory& trajectory);

}  // namespace varsphere::python
