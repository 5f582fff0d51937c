// libFuzzer target: the d×d matrix reader (read_square_matrix, core/csv.hpp) through a file, as
// --qk, --v and --d-matrix use it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/varsphere-fuzz-matrix-" + std::to_string(::getpid()) + ".csv";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), size);
  for (Eigen::Index d : {2, 3}) {
    try {
      varsphere::read_square_matrix(path, d);
    } catch (const varsphere::Error&) {
    }
  }
  return 0;
}
