// Ctrl-C during a long call (docs/python.md, "Interrupting"): the library runs with the GIL
// released, so Python cannot run its SIGINT handler until the call returns. `InterruptPoll` is
// called between steps (flow steps, Ceres iterations); at most every `interval` it takes the GIL
// and asks Python whether a signal arrived (PyErr_CheckSignals). If the handler raised
// (KeyboardInterrupt), it throws pybind11::error_already_set, which unwinds the C++ call (no
// output is written before a call completes) and reaches the caller as that exception.
#pragma once

#include <chrono>

namespace varsphere::python {

class InterruptPoll {
 public:
  explicit InterruptPoll(std::chrono::milliseconds interval = std::chrono::milliseconds(50))
      : interval_(interval), last_(std::chrono::steady_clock::now()) {}
  /// Cheap when called often: a clock read unless `interval` has passed.
  void operator()();

 private:
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace varsphere::python
