// The library's version (the project version of CMakeLists.txt) and the build it comes from,
// recorded in every output file and printed by `varsphere --version`.
#pragma once

#include <string>

namespace varsphere {

/// "major.minor.patch".
const char* version();

/// The target architecture the library was compiled for (CMake option VARSPHERE_ARCH), e.g.
/// "native (rocketlake)", "x86-64-v3", "generic".
const char* build_architecture();

/// One line for --version: version, architecture, threading, e.g.
/// "varsphere 0.1.0 (arch native (rocketlake), OpenMP, 2 threads by default)".
std::string build_description();

}  // namespace varsphere
