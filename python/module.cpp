// varsphere._varsphere: the native half of the Python package (docs/python.md). The typed C++
// errors become Python exceptions with the library's one-line message:
//   InvalidInput  → varsphere.InvalidInput   (a ValueError)
//   CutLocusError → varsphere.CutLocusError  (a ValueError)
//   IoError       → varsphere.IoError        (an OSError)
//   ResourceLimit → varsphere.ResourceLimit  (a RuntimeError)
//   NotConverged  → varsphere.NotConverged   (a RuntimeError; solves with check=True)
//   other Error   → varsphere.Error          (a RuntimeError)
#include <varsphere/core/error.hpp>
#include <varsphere/core/version.hpp>
#include <varsphere/solvers/solver_logging.hpp>

#include "arrays.hpp"
#include "bindings.hpp"

namespace py = pybind11;
using namespace varsphere;
using namespace varsphere::python;

PYBIND11_MODULE(_varsphere, m) {
  m.doc() = "varsphere: Riemannian optimization and calculus of variations on spheres "
            "(native module; import varsphere).";
  // Translators are tried from the last registered: derived classes after their bases.
  py::register_exception<Error>(m, "Error", PyExc_RuntimeError);
  py::register_exception<InvalidInput>(m, "InvalidInput", PyExc_ValueError);
  py::register_exception<CutLocusError>(m, "CutLocusError", PyExc_ValueError);
  py::register_exception<IoError>(m, "IoError", PyExc_OSError);
  py::register_exception<ResourceLimit>(m, "ResourceLimit", PyExc_RuntimeError);
  py::register_exception<NotConverged>(m, "NotConverged", PyExc_RuntimeError);

  m.attr("__version__") = version();
  set_solver_logging(false);  // Ceres' glog stays quiet unless a solve asks for verbose output

  bind_geometry(m);
  bind_attention(m);
  bind_flow(m);
  bind_bvp(m);
  bind_energies(m);
  bind_io(m);
  bind_sweep(m);
  bind_fit(m);
#ifdef VARSPHERE_PYTHON_REPRODUCE
  bind_reproduce(m);
#endif

  // Test hooks (tests/python/test_conventions.py): where the library reads a configuration.
  py::module_ testing = m.def_submodule("_testing", "internal checks of the array conventions");
  testing.def(
      "tokens_address",
      [](const py::object& X) {
        const Tokens t(X, "X");
        return py::make_tuple(reinterpret_cast<std::uintptr_t>(t.map().data()), t.copied());
      },
      "(address of the d×n data the library reads, whether the input was copied)");
}
