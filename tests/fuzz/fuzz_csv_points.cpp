// libFuzzer target: the CSV point-set reader (core/csv.hpp). Any input must either parse into a
// valid configuration or raise varsphere::Error; a crash, a leak, undefined behaviour or a hang
// is a finding.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const Eigen::MatrixXd rows = varsphere::read_csv_matrix(in, "fuzz", 0);
    varsphere::validate_configuration(rows.transpose(), varsphere::kUnitTolerance, "fuzz");
  } catch (const varsphere::Error&) {
  }
  return 0;
}
