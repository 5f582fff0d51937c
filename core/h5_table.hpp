// A small HDF5 container for tables of numbers: named N-dimensional float64 datasets (C order, as
// h5py reads them; names may contain groups, "summary/energy/mean") and scalar attributes of the
// root (strings and numbers). Written atomically (core/atomic_file.hpp) and without modification
// times, so the same content gives the same bytes. Used by sweeps (solvers/sweep.hpp).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace varsphere {

struct H5Array {
  std::vector<unsigned long long> dims;  ///< empty: a scalar
  std::vector<double> values;            ///< C order, product of dims entries
};

struct H5Table {
  std::map<std::string, H5Array> datasets;
  std::map<std::string, std::variant<std::string, double>> attributes;
};

/// Writes `table` to `path` (atomically). Throws IoError on failure, InvalidInput if a dataset's
/// values do not match its dims.
void write_h5_table(const std::filesystem::path& path, const H5Table& table);

/// Reads every float64 dataset (in any group) and every string or numeric root attribute. Throws
/// IoError for a missing file, a file that is not HDF5, or a dataset that cannot be read.
H5Table read_h5_table(const std::filesystem::path& path);

}  // namespace varsphere
