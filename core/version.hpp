// The library's version (the project version of CMakeLists.txt), recorded in every output file.
#pragma once

namespace varsphere {

/// "major.minor.patch".
const char* version();

}  // namespace varsphere
