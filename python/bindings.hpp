// The parts of the Python module, one function per translation unit (python/CMakeLists.txt).
#pragma once

#include <pybind11/pybind11.h>

#include <stdexcept>

namespace varsphere::python {

namespace py = pybind11;

/// Raised (as varsphere.NotConverged, a RuntimeError) by a solve that was asked to raise
/// (`check=True`) and did not end certified.
class NotConverged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Runs `f` with the GIL released (the library's work; no Python object may be touched in f).
template <class F>
auto without_gil(F&& f) {
  py::gil_scoped_release release;
  return f();
}

void bind_geometry(py::module_& m);
void bind_attention(py::module_& m);
void bind_flow(py::module_& m);
void bind_bvp(py::module_& m);
void bind_energies(py::module_& m);
void bind_io(py::module_& m);
void bind_sweep(py::module_& m);
void bind_fit(py::module_& m);
void bind_reproduce(py::module_& m);

}  // namespace varsphere::python
