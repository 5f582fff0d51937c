// varsphere.Attention: the attention model of the Python module (docs/python.md, "Models"), the
// same field as the CLI's --model/--beta/--qk/--v/--norm/--sign plus several heads and heads that
// depend on time through a Python callable.
#pragma once

#include <pybind11/pybind11.h>

#include <Eigen/Core>
#include <memory>
#include <optional>
#include <string>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/solvers/flow_integrator.hpp>

namespace varsphere::python {

namespace py = pybind11;

/// A Python callable kept by C++ objects that may be copied or destroyed without the GIL: the
/// reference is dropped under the GIL.
std::shared_ptr<py::object> keep_callable(const py::object& f);

struct AttentionModelPy {
  std::string model = "sa", norm = "post", sign = "ascent";
  double beta = 1.0;
  /// The heads when they are constant (A_h, V_h); empty for a schedule.
  std::vector<AttentionHead> heads;
  bool time_dependent = false;
  AttentionField field;
  double ngpt_alpha = 0.2;

  LayerNormPlacement placement() const { return parse_layer_norm(norm); }
  /// The one constant head's A (energy E_β, De Giorgi); throws InvalidInput naming `what`
  /// otherwise.
  const AttentionHead& single_head(const std::string& what) const;
};

}  // namespace varsphere::python
