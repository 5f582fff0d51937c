#include "arrays.hpp"

#include <cmath>
#include <memory>
#include <sstream>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/error.hpp>

namespace varsphere::python {

namespace {

std::string shape_of(const py::handle& object) {
  if (!py::isinstance<py::array>(object)) return std::string(py::str(py::type::of(object).attr("__name__")));
  const auto a = py::reinterpret_borrow<py::array>(object);
  std::ostringstream s;
  s << "shape (";
  for (py::ssize_t k = 0; k < a.ndim(); ++k) s << (k ? ", " : "") << a.shape(k);
  s << (a.ndim() == 1 ? ",)" : ")");
  return s.str();
}

// The capsule owns the matrix; numpy's array points into it.
py::array adopt(Eigen::MatrixXd&& M, std::vector<py::ssize_t> shape) {
  auto* owned = new Eigen::MatrixXd(std::move(M));
  py::capsule owner(owned, [](void* p) { delete static_cast<Eigen::MatrixXd*>(p); });
  return py::array_t<double>(shape, owned->data(), owner);
}

}  // namespace

ArrayView::ArrayView(const py::handle& object, int ndim, const std::string& what,
                     const char* shape) {
  using Exact = py::array_t<double, py::array::c_style>;
  if (py::isinstance<Exact>(object)) {
    array_ = py::reinterpret_borrow<Exact>(object);
  } else {
    auto converted = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(object);
    if (!converted) {
      PyErr_Clear();
      throw InvalidInput(what + ": expected a float64 array of " + shape + ", got " +
                         shape_of(object));
    }
    array_ = std::move(converted);
    copied_ = true;
  }
  if (array_.ndim() != ndim) {
    throw InvalidInput(what + ": expected an array of " + shape + ", got " + shape_of(array_));
  }
}

Tokens::Tokens(const py::handle& object, const std::string& what, bool allow_vector)
    : view_([&] {
        const bool vector = allow_vector && py::isinstance<py::array>(object) &&
                            py::reinterpret_borrow<py::array>(object).ndim() == 1;
        return ArrayView(object, vector ? 1 : 2, what, vector ? "shape (d,)" : "shape (n, d)");
      }()),
      what_(what) {
  if (allow_vector && py::isinstance<py::array>(object) &&
      py::reinterpret_borrow<py::array>(object).ndim() == 1) {
    vector_ = true;
    n_ = 1;
    d_ = view_.dim(0);
  } else {
    n_ = view_.dim(0);
    d_ = view_.dim(1);
  }
  if (n_ < 1 || d_ < 2) {
    throw InvalidInput(what + ": need at least one token of dimension d >= 2, got shape (" +
                       std::to_string(n_) + ", " + std::to_string(d_) + ")");
  }
}

const Tokens& Tokens::on_sphere(double unit_tol) const {
  validate_configuration(map(), unit_tol, what_);
  return *this;
}

const Tokens& Tokens::finite() const {
  validate_finite(map(), what_);
  return *this;
}

py::array to_rows(Eigen::MatrixXd&& M, bool as_vector) {
  const py::ssize_t d = M.rows(), n = M.cols();
  if (as_vector) return adopt(std::move(M), {d * n});
  return adopt(std::move(M), {n, d});
}

py::array to_matrix(const Eigen::MatrixXd& M) {
  // Row-major as a reader writes it: the transpose's column-major memory.
  Eigen::MatrixXd T = M.transpose();
  const py::ssize_t r = M.rows(), c = M.cols();
  return adopt(std::move(T), {r, c});
}

Eigen::MatrixXd matrix_from(const py::handle& object, const std::string& what) {
  const ArrayView view(object, 2, what, "shape (rows, columns)");
  Eigen::MatrixXd M = Eigen::Map<const Eigen::MatrixXd>(view.data(), view.dim(1), view.dim(0))
                          .transpose();
  validate_finite(M, what);
  return M;
}

py::array to_vector(const std::vector<double>& v) {
  Eigen::MatrixXd M = Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
  return adopt(std::move(M), {static_cast<py::ssize_t>(v.size())});
}

py::array to_vector(const Eigen::VectorXd& v) {
  Eigen::MatrixXd M = v;
  return adopt(std::move(M), {static_cast<py::ssize_t>(v.size())});
}

std::vector<double> vector_from(const py::handle& object, const std::string& what) {
  const ArrayView view(object, 1, what, "shape (m,)");
  std::vector<double> v(view.data(), view.data() + view.dim(0));
  for (double x : v) {
    if (!std::isfinite(x)) throw InvalidInput(what + ": every entry must be finite");
  }
  return v;
}

Trajectory trajectory_from(const py::handle& frames, const py::handle& times,
                           const std::string& what, double unit_tol) {
  const ArrayView X(frames, 3, what, "shape (m, n, d)");
  const std::vector<double> t = vector_from(times, what + " times");
  const py::ssize_t m = X.dim(0), n = X.dim(1), d = X.dim(2);
  if (static_cast<py::ssize_t>(t.size()) != m) {
    throw InvalidInput(what + ": " + std::to_string(m) + " frames but " +
                       std::to_string(t.size()) + " times");
  }
  if (m < 1) throw InvalidInput(what + ": no frames");
  Trajectory traj;
  traj.times = t;
  traj.frames.reserve(static_cast<std::size_t>(m));
  for (py::ssize_t k = 0; k < m; ++k) {
    if (k > 0 && !(t[k] > t[k - 1])) {
      throw InvalidInput(what + ": times must increase strictly (frame " + std::to_string(k) + ")");
    }
    Eigen::MatrixXd F = Eigen::Map<const Eigen::MatrixXd>(X.data() + k * n * d, d, n);
    validate_configuration(F, unit_tol, what + " frame " + std::to_string(k));
    traj.frames.push_back(std::move(F));
  }
  return traj;
}

py::array frames_array(const Trajectory& trajectory) {
  const py::ssize_t m = static_cast<py::ssize_t>(trajectory.size());
  const py::ssize_t d = trajectory.dimension(), n = trajectory.tokens();
  Eigen::MatrixXd all(d * n, m);
  for (py::ssize_t k = 0; k < m; ++k) {
    all.col(k) = Eigen::Map<const Eigen::VectorXd>(trajectory.frames[k].data(), d * n);
  }
  return adopt(std::move(all), {m, n, d});
}

}  // namespace varsphere::python
