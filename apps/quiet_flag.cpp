#include "quiet_flag.hpp"

#include <iostream>

namespace varsphere::apps {

namespace {
bool& quiet_state() {
  static bool state = false;
  return state;
}
}  // namespace

void add_quiet_flag(CLI::App& cmd) {
  cmd.add_flag_callback(
      "--quiet",
      [] {
        quiet_state() = true;
        std::cout.setstate(std::ios::failbit);  // every later write to stdout is dropped
      },
      "print nothing but errors (no summary on stdout, no progress line on stderr)");
}

bool quiet() { return quiet_state(); }

}  // namespace varsphere::apps
