// Geometry of S^{d-1} and (S^{d-1})^n, batched over rows (docs/math.md §1). Every function takes
// a single point (d,) or a configuration (n, d) and returns the same rank; points must lie on the
// sphere (|‖x‖ − 1| ≤ 1e-6) and tangent vectors be tangent (|⟨x, v⟩| ≤ 1e-6·max(1, ‖v‖)).
#include <pybind11/numpy.h>

#include <cmath>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/product.hpp>

#include "arrays.hpp"
#include "bindings.hpp"

namespace varsphere::python {

namespace {

void require_same_shape(const Tokens& a, const Tokens& b, const char* op) {
  if (a.d() != b.d() || a.n() != b.n() || a.vector_input() != b.vector_input()) {
    throw InvalidInput(std::string(op) + ": the arguments have different shapes");
  }
}

void require_tangent(const Tokens& X, const Tokens& V, const char* what) {
  V.finite();
  const auto x = X.map();
  const auto v = V.map();
  for (Eigen::Index i = 0; i < x.cols(); ++i) {
    const double radial = x.col(i).dot(v.col(i));
    if (std::abs(radial) > 1e-6 * std::max(1.0, v.col(i).norm())) {
      throw InvalidInput(std::string(what) + ": token " + std::to_string(i + 1) +
                         " is not tangent at its point (<x, v> = " + std::to_string(radial) + ")");
    }
  }
}

}  // namespace

void bind_geometry(py::module_& m) {
  m.def(
      "exp",
      [](const py::object& x, const py::object& v) {
        const Tokens X(x, "exp: x"), V(v, "exp: v");
        require_same_shape(X, V, "exp");
        X.on_sphere();
        require_tangent(X, V, "exp: v");
        Eigen::MatrixXd out = without_gil([&] { return Eigen::MatrixXd(product::exp(X.map(), V.map())); });
        return to_rows(std::move(out), X.vector_input());
      },
      py::arg("x"), py::arg("v"),
      R"(Exponential map exp_x(v) = cos|v| x + sin|v| v/|v|, row by row (docs/math.md §1).

x: point (d,) or configuration (n, d) on the sphere; v: tangent vectors of the same shape.
Returns the same shape.)");
  m.def(
      "log",
      [](const py::object& x, const py::object& y) {
        const Tokens X(x, "log: x"), Y(y, "log: y");
        require_same_shape(X, Y, "log");
        X.on_sphere();
        Y.on_sphere();
        Eigen::MatrixXd out = without_gil([&] { return Eigen::MatrixXd(product::log(X.map(), Y.map())); });
        return to_rows(std::move(out), X.vector_input());
      },
      py::arg("x"), py::arg("y"),
      R"(Logarithm log_x(y): the tangent vector at x of length d(x, y) pointing to y, row by row.

Raises CutLocusError (a ValueError) where a row of y is (numerically) antipodal to x.)");
  m.def(
      "distance",
      [](const py::object& x, const py::object& y) -> py::object {
        const Tokens X(x, "distance: x"), Y(y, "distance: y");
        require_same_shape(X, Y, "distance");
        X.on_sphere();
        Y.on_sphere();
        const Eigen::VectorXd out = product::token_distances(X.map(), Y.map());
        if (X.vector_input()) return py::float_(out(0));
        return to_vector(out);
      },
      py::arg("x"), py::arg("y"),
      R"(Geodesic distance θ = 2 atan2(|x − y|, |x + y|) in radians: a float for points (d,),
an (n,) array of per-token distances for configurations (n, d).)");
  m.def(
      "product_distance",
      [](const py::object& x, const py::object& y) {
        const Tokens X(x, "product_distance: x"), Y(y, "product_distance: y");
        require_same_shape(X, Y, "product_distance");
        X.on_sphere();
        Y.on_sphere();
        return product::distance(X.map(), Y.map());
      },
      py::arg("x"), py::arg("y"),
      "Distance on the product (S^{d-1})^n: sqrt(sum_i d(x_i, y_i)^2).");
  m.def(
      "transport",
      [](const py::object& x, const py::object& y, const py::object& u) {
        const Tokens X(x, "transport: x"), Y(y, "transport: y"), U(u, "transport: u");
        require_same_shape(X, Y, "transport");
        require_same_shape(X, U, "transport");
        X.on_sphere();
        Y.on_sphere();
        require_tangent(X, U, "transport: u");
        Eigen::MatrixXd out = without_gil([&] { return Eigen::MatrixXd(product::transport(X.map(), Y.map(), U.map())); });
        return to_rows(std::move(out), X.vector_input());
      },
      py::arg("x"), py::arg("y"), py::arg("u"),
      R"(Parallel transport of u (tangent at x) along the minimizing geodesic to y, row by row.

Raises CutLocusError where a row of y is antipodal to x.)");
  m.def(
      "geodesic",
      [](const py::object& x, const py::object& y, const py::object& t) -> py::object {
        const Tokens X(x, "geodesic: x"), Y(y, "geodesic: y");
        require_same_shape(X, Y, "geodesic");
        X.on_sphere();
        Y.on_sphere();
        const Eigen::MatrixXd L = product::log(X.map(), Y.map());
        if (py::isinstance<py::float_>(t) || py::isinstance<py::int_>(t)) {
          const double s = t.cast<double>();
          if (!std::isfinite(s)) throw InvalidInput("geodesic: t must be finite");
          return to_rows(product::exp(X.map(), s * L), X.vector_input());
        }
        const std::vector<double> ts = vector_from(t, "geodesic: t");
        Trajectory path;
        for (double s : ts) path.push_back(s, product::exp(X.map(), s * L));
        if (ts.empty()) throw InvalidInput("geodesic: t is empty");
        py::array frames = frames_array(path);
        if (X.vector_input()) {
          return frames.attr("reshape")(py::make_tuple(ts.size(), X.d()));
        }
        return frames;
      },
      py::arg("x"), py::arg("y"), py::arg("t"),
      R"(The geodesic γ(t) = exp_x(t log_x y) (slerp), γ(0) = x, γ(1) = y.

t: a number (returns x's shape) or an array (m,) of times (returns (m, d) or (m, n, d)).)");
  m.def(
      "project",
      [](const py::object& y) {
        const Tokens Y(y, "project: y");
        Y.finite();
        return to_rows(product::project(Y.map()), Y.vector_input());
      },
      py::arg("y"), "Radial projection y/|y| of each row onto the sphere (rows must be nonzero).");
  m.def(
      "tangent_project",
      [](const py::object& x, const py::object& v) {
        const Tokens X(x, "tangent_project: x"), V(v, "tangent_project: v");
        require_same_shape(X, V, "tangent_project");
        X.on_sphere();
        V.finite();
        return to_rows(product::tangent_project(X.map(), V.map()), X.vector_input());
      },
      py::arg("x"), py::arg("v"), "Tangent projection v − <x, v> x of each row.");
  m.def(
      "retract",
      [](const py::object& x, const py::object& v) {
        const Tokens X(x, "retract: x"), V(v, "retract: v");
        require_same_shape(X, V, "retract");
        X.on_sphere();
        require_tangent(X, V, "retract: v");
        return to_rows(product::retract(X.map(), V.map()), X.vector_input());
      },
      py::arg("x"), py::arg("v"), "Metric retraction (x + v)/|x + v|, row by row.");
  m.def(
      "random_point",
      [](long long d, const py::object& n, unsigned long long seed) {
        if (d < 2) throw InvalidInput("random_point: d must be at least 2");
        Rng rng(seed);
        if (n.is_none()) return to_rows(product::random_point(rng, d, 1), true);
        const long long count = n.cast<long long>();
        if (count < 1) throw InvalidInput("random_point: n must be at least 1");
        return to_rows(product::random_point(rng, d, count));
      },
      py::arg("d"), py::arg("n") = py::none(), py::kw_only(), py::arg("seed"),
      R"(Uniform random point(s) on S^{d-1} from an explicit seed: (d,) if n is None, else (n, d).

The same seed gives the same points as the command line's --seed (std::mt19937_64).)");
  m.def(
      "random_tangent",
      [](const py::object& x, unsigned long long seed, double scale) {
        const Tokens X(x, "random_tangent: x");
        X.on_sphere();
        if (!std::isfinite(scale)) throw InvalidInput("random_tangent: scale must be finite");
        Rng rng(seed);
        return to_rows(product::random_tangent(rng, X.map(), scale), X.vector_input());
      },
      py::arg("x"), py::kw_only(), py::arg("seed"), py::arg("scale") = 1.0,
      "Random tangent vectors at x: projected standard Gaussians times scale.");
}

}  // namespace varsphere::python
