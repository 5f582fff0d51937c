#include <varsphere/core/h5_table.hpp>

#include <numeric>
#include <varsphere/core/atomic_file.hpp>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/h5_handle.hpp>
#include <varsphere/core/memory_budget.hpp>

namespace varsphere {

namespace {

std::size_t element_count(const std::vector<unsigned long long>& dims) {
  return std::accumulate(dims.begin(), dims.end(), std::size_t{1},
                         [](std::size_t a, unsigned long long b) { return a * b; });
}

struct ReadContext {
  H5Table* table;
  std::string file;
};

herr_t read_object(hid_t root, const char* name, const H5O_info_t* info, void* data) {
  auto* context = static_cast<ReadContext*>(data);
  if (info->type != H5O_TYPE_DATASET) return 0;
  H5Handle set{H5Dopen2(root, name, H5P_DEFAULT), H5Dclose};
  if (set.id < 0) return -1;
  H5Handle type{H5Dget_type(set.id), H5Tclose};
  if (H5Tget_class(type.id) != H5T_FLOAT) return 0;  // only float64 tables are ours
  H5Handle space{H5Dget_space(set.id), H5Sclose};
  const int rank = H5Sget_simple_extent_ndims(space.id);
  if (rank < 0) return -1;
  H5Array array;
  array.dims.resize(rank);
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  for (int r = 0; r < rank; ++r) array.dims[r] = dims[r];
  const std::size_t count = element_count(array.dims);
  require_memory(8.0 * static_cast<double>(count),
                 context->file + ": reading dataset '" + std::string(name) + "'");
  array.values.resize(count);
  if (count > 0 && H5Dread(set.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                           array.values.data()) < 0) {
    return -1;
  }
  context->table->datasets[name] = std::move(array);
  return 0;
}

herr_t read_attribute(hid_t location, const char* name, const H5A_info_t*, void* data) {
  auto* table = static_cast<H5Table*>(data);
  H5Handle attr{H5Aopen(location, name, H5P_DEFAULT), H5Aclose};
  if (attr.id < 0) return -1;
  H5Handle type{H5Aget_type(attr.id), H5Tclose};
  H5Handle space{H5Aget_space(attr.id), H5Sclose};
  if (H5Sget_simple_extent_type(space.id) != H5S_SCALAR) return 0;
  if (H5Tget_class(type.id) == H5T_STRING && !H5Tis_variable_str(type.id)) {
    std::string text(H5Tget_size(type.id), '\0');
    if (H5Aread(attr.id, type.id, text.data()) < 0) return -1;
    text.resize(text.find('\0') == std::string::npos ? text.size() : text.find('\0'));
    table->attributes[name] = text;
  } else if (H5Tget_class(type.id) == H5T_FLOAT || H5Tget_class(type.id) == H5T_INTEGER) {
    double value = 0;
    if (H5Aread(attr.id, H5T_NATIVE_DOUBLE, &value) < 0) return -1;
    table->attributes[name] = value;
  }
  return 0;
}

}  // namespace

void write_h5_table(const std::filesystem::path& path, const H5Table& table) {
  for (const auto& [name, array] : table.datasets) {
    if (element_count(array.dims) != array.values.size()) {
      throw InvalidInput("H5 table: dataset '" + name + "' has " +
                         std::to_string(array.values.size()) + " values for its shape");
    }
  }
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported by us, in one line
  AtomicOutput out(path);
  const std::string fail = "cannot write '" + path.string() + "': HDF5 error";
  {
    H5Handle fcpl{H5Pcreate(H5P_FILE_CREATE), H5Pclose};
    H5Handle dcpl{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
    H5Handle lcpl{H5Pcreate(H5P_LINK_CREATE), H5Pclose};
    H5Handle gcpl{H5Pcreate(H5P_GROUP_CREATE), H5Pclose};
    if (fcpl.id < 0 || dcpl.id < 0 || lcpl.id < 0 || gcpl.id < 0 ||
        H5Pset_obj_track_times(fcpl.id, false) < 0 || H5Pset_obj_track_times(dcpl.id, false) < 0 ||
        H5Pset_obj_track_times(gcpl.id, false) < 0 ||
        H5Pset_create_intermediate_group(lcpl.id, 1) < 0) {
      throw IoError(fail + " setting up the file");
    }
    H5Handle file{H5Fcreate(out.temporary_path().c_str(), H5F_ACC_TRUNC, fcpl.id, H5P_DEFAULT),
                  H5Fclose};
    if (file.id < 0) throw IoError(fail + " creating the file");
    for (const auto& [name, array] : table.datasets) {
      std::vector<hsize_t> dims(array.dims.begin(), array.dims.end());
      H5Handle space{dims.empty() ? H5Screate(H5S_SCALAR)
                                  : H5Screate_simple(static_cast<int>(dims.size()), dims.data(),
                                                     nullptr),
                     H5Sclose};
      H5Handle set{H5Dcreate2(file.id, name.c_str(), H5T_IEEE_F64LE, space.id, lcpl.id, dcpl.id,
                              H5P_DEFAULT),
                   H5Dclose};
      if (set.id < 0 || (!array.values.empty() &&
                         H5Dwrite(set.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                  array.values.data()) < 0)) {
        throw IoError(fail + " writing " + name);
      }
    }
    for (const auto& attribute : table.attributes) {
      const std::string& key = attribute.first;  // (clang 14: no structured binding in a lambda)
      const bool ok = std::visit(
          [&](const auto& v) { return write_scalar_attribute(file.id, key, v); }, attribute.second);
      if (!ok) throw IoError(fail + " writing attribute " + key);
    }
    if (H5Fflush(file.id, H5F_SCOPE_GLOBAL) < 0) throw IoError(fail + " flushing");
  }
  out.commit();
}

H5Table read_h5_table(const std::filesystem::path& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const std::string name = path.string();
  require_regular_input(path);
  H5Handle file{H5Fopen(name.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) throw IoError("cannot read '" + name + "': not an HDF5 file");
  H5Table table;
  ReadContext context{&table, name};
  if (H5Ovisit2(file.id, H5_INDEX_NAME, H5_ITER_INC, read_object, &context, H5O_INFO_BASIC) < 0) {
    throw IoError("cannot read '" + name + "': a dataset could not be read");
  }
  hsize_t index = 0;
  if (H5Aiterate2(file.id, H5_INDEX_NAME, H5_ITER_INC, &index, read_attribute, &table) < 0) {
    throw IoError("cannot read '" + name + "': an attribute could not be read");
  }
  return table;
}

}  // namespace varsphere
