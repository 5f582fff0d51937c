#include "verbosity_flags.hpp"

#include <iostream>
#include <varsphere/solvers/solver_logging.hpp>

namespace varsphere::apps {

namespace {
bool& quiet_state() {
  static bool state = false;
  return state;
}
}  // namespace

void add_verbosity_flags(CLI::App& cmd) {
  cmd.add_flag_callback(
      "--quiet",
      [] {
        quiet_state() = true;
        std::cout.setstate(std::ios::failbit);  // every later write to stdout is dropped
      },
      "print nothing but errors (no summary on stdout, no progress line on stderr)");
  cmd.add_flag_callback(
      "--verbose", [] { set_solver_logging(true); },
      "show the solver library's own messages (Ceres warnings) on stderr");
}

bool quiet() { return quiet_state(); }

}  // namespace varsphere::apps
