// libFuzzer target: the trajectory readers (core/trajectory_io.hpp). The input is written to a
// file with the extension given by VARSPHERE_FUZZ_EXTENSION (.csv or .h5) and read back; any
// input must either give a valid trajectory or raise varsphere::Error.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <varsphere/core/error.hpp>
#include <varsphere/core/trajectory_io.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/varsphere-fuzz-trajectory-" + std::to_string(::getpid()) +
                                  VARSPHERE_FUZZ_EXTENSION;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), size);
  try {
    varsphere::read_trajectory(path);
    varsphere::read_trajectory_attributes(path);
  } catch (const varsphere::Error&) {
  }
  return 0;
}
