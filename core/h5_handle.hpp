// RAII for HDF5 identifiers (the .cpp files that talk to HDF5 include this; no public header
// exposes HDF5 types).
#pragma once

#include <hdf5.h>

#include <algorithm>
#include <string>

namespace varsphere {

struct H5Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  H5Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  ~H5Handle() {
    if (id >= 0) close(id);
  }
};

/// A scalar string attribute of `location` (fixed length, as h5py reads it); false on failure.
inline bool write_scalar_attribute(hid_t location, const std::string& key, const std::string& text) {
  H5Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, std::max<std::size_t>(1, text.size()));
  H5Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  H5Handle attr{H5Acreate2(location, key.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose};
  return attr.id >= 0 && H5Awrite(attr.id, type.id, text.c_str()) >= 0;
}

/// A scalar float64 attribute of `location`; false on failure.
inline bool write_scalar_attribute(hid_t location, const std::string& key, double value) {
  H5Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  H5Handle attr{
      H5Acreate2(location, key.c_str(), H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose};
  return attr.id >= 0 && H5Awrite(attr.id, H5T_NATIVE_DOUBLE, &value) >= 0;
}

}  // namespace varsphere
