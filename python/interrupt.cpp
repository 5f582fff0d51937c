#include "interrupt.hpp"

#include <pybind11/pybind11.h>

namespace varsphere::python {

void InterruptPoll::operator()() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < interval_) return;
  last_ = now;
  pybind11::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
}

}  // namespace varsphere::python
