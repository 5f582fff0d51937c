// The CLI's files from Python (core/csv.hpp, core/trajectory_io.hpp) and the cluster diagnostics
// (solvers/clusters.hpp, solvers/flow_diagnostics.hpp).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <limits>
#include <pybind11/stl/filesystem.h>

#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/trajectory_io.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/flow_diagnostics.hpp>

#include "arrays.hpp"
#include "bindings.hpp"

namespace varsphere::python {

namespace {

py::object attribute_to_python(const AttributeValue& value) {
  if (const auto* x = std::get_if<double>(&value)) return py::float_(*x);
  if (const auto* s = std::get_if<std::string>(&value)) return py::str(*s);
  return to_matrix(std::get<Eigen::MatrixXd>(value));
}

TrajectoryAttributes attributes_from(const py::object& object) {
  TrajectoryAttributes out;
  if (object.is_none()) return out;
  if (!py::isinstance<py::dict>(object)) throw InvalidInput("save_trajectory: attributes must be a dict");
  for (const auto& [key, value] : object.cast<py::dict>()) {
    const std::string name = py::str(key);
    if (py::isinstance<py::str>(value)) {
      out[name] = value.cast<std::string>();
    } else if (py::isinstance<py::bool_>(value) || py::isinstance<py::int_>(value) ||
               py::isinstance<py::float_>(value)) {
      out[name] = value.cast<double>();
    } else {
      out[name] = matrix_from(value, "save_trajectory: attribute " + name);
    }
  }
  return out;
}

Trajectory frames_with_times(const py::object& frames, const py::object& times, const char* what) {
  return trajectory_from(frames, times, what);
}

}  // namespace

void bind_io(py::module_& m) {
  m.def(
      "load_trajectory",
      [](const std::filesystem::path& path, bool on_sphere) {
        // Tangent-vector files (bvp --sensitivity-out) are read with on_sphere=False.
        const double unit_tol = on_sphere ? 1e-6 : std::numeric_limits<double>::infinity();
        const Trajectory t = without_gil([&] { return read_trajectory(path, unit_tol); });
        py::dict attributes;
        for (const auto& [k, v] : read_trajectory_attributes(path)) attributes[py::str(k)] = attribute_to_python(v);
        return py::make_tuple(to_vector(t.times), frames_array(t), attributes);
      },
      py::arg("path"), py::kw_only(), py::arg("on_sphere") = true,
      R"(Read a trajectory written by the CLI (.csv or .h5): returns (times (m,), X (m, n, d),
attributes dict; empty for .csv). Frames are checked to lie on the sphere unless on_sphere=False
(files of tangent vectors such as `bvp --sensitivity-out`; values are still checked finite).)");
  m.def(
      "save_trajectory",
      [](const std::filesystem::path& path, const py::object& times, const py::object& frames,
         const py::object& attributes) {
        check_trajectory_path(path);
        const Trajectory t = frames_with_times(frames, times, "save_trajectory: X");
        const TrajectoryAttributes a = attributes_from(attributes);
        without_gil([&] {
          write_trajectory(path, t, a);
          return 0;
        });
      },
      py::arg("path"), py::arg("times"), py::arg("X"), py::arg("attributes") = py::none(),
      R"(Write a trajectory (times (m,), X (m, n, d)) as the CLI does (.csv or .h5; attributes, a
dict of numbers, strings and 2-D arrays, go to the .h5 root). Atomic: an existing file is only
replaced by a complete one.)");
  m.def(
      "load_points",
      [](const std::filesystem::path& path) { return to_rows(read_points(path)); }, py::arg("path"),
      "Read a CSV point set (one token per row, as --x0 takes it): (n, d).");
  m.def(
      "save_points",
      [](const std::filesystem::path& path, const py::object& x) {
        const Tokens X(x, "save_points: X", false);
        X.on_sphere();
        if (path.extension() != ".csv") throw InvalidInput("save_points: the file must end in .csv");
        write_points(path, X.map());
      },
      py::arg("path"), py::arg("X"), "Write tokens X (n, d) as a CSV point set (atomically).");

  m.def(
      "clusters",
      [](const py::object& x, double threshold) {
        const Tokens X(x, "clusters: X", false);
        X.on_sphere();
        if (!(threshold > -1 && threshold < 1)) throw InvalidInput("clusters: threshold must lie in (-1, 1)");
        const std::vector<int> labels = cluster_labels(X.map(), threshold);
        int count = 0;
        for (int l : labels) count = std::max(count, l + 1);
        py::array_t<int> out(static_cast<py::ssize_t>(labels.size()));
        std::copy(labels.begin(), labels.end(), out.mutable_data());
        return py::make_tuple(count, out);
      },
      py::arg("X"), py::arg("threshold") = kDefaultClusterThreshold,
      R"(Clusters of tokens X (n, d): the connected components of the graph linking i and j when
<x_i, x_j> > threshold. Returns (count, labels (n,) numbered 0, 1, ... by first appearance).)");
  m.def(
      "min_inner_product",
      [](const py::object& x) {
        const Tokens X(x, "min_inner_product: X", false);
        X.on_sphere();
        return min_pairwise_inner_product(X.map());
      },
      py::arg("X"), "min_{i != j} <x_i, x_j> (1 for one token).");
  m.def(
      "diagnose",
      [](const py::object& frames, const py::object& times, const py::object& A, double beta,
         double threshold) {
        const Trajectory t = frames_with_times(frames, times, "diagnose: X");
        const Eigen::Index d = t.dimension();
        const Eigen::MatrixXd Am = A.is_none() ? Eigen::MatrixXd::Identity(d, d) : matrix_from(A, "diagnose: A");
        if (Am.rows() != d || Am.cols() != d) throw InvalidInput("diagnose: A must be (d, d)");
        if (!(threshold > -1 && threshold < 1)) throw InvalidInput("diagnose: threshold must lie in (-1, 1)");
        if (!(beta >= 0)) throw InvalidInput("diagnose: beta must be >= 0");
        const auto rows = without_gil([&] { return diagnose(t, Am, beta, threshold); });
        std::vector<double> E, inner;
        py::array_t<int> clusters(static_cast<py::ssize_t>(rows.size()));
        for (std::size_t k = 0; k < rows.size(); ++k) {
          E.push_back(rows[k].energy);
          inner.push_back(rows[k].min_inner_product);
          clusters.mutable_data()[k] = rows[k].clusters;
        }
        py::dict out;
        out["t"] = to_vector(t.times);
        out["energy"] = to_vector(E);
        out["clusters"] = clusters;
        out["min_inner_product"] = to_vector(inner);
        out["merge_times"] = to_vector(merge_times(rows));
        return out;
      },
      py::arg("X"), py::arg("times"), py::kw_only(), py::arg("A") = py::none(),
      py::arg("beta") = 1.0, py::arg("threshold") = kDefaultClusterThreshold,
      R"(Diagnostics along a trajectory X (m, n, d) at `times`: the energy E_β (interaction matrix A,
identity by default), the number of clusters, the minimum inner product, and the merge times
(the first saved time at which the cluster count falls to k, for every k below the initial
count; resolution: the save grid). Returns a dict of arrays.)");
}

}  // namespace varsphere::python
