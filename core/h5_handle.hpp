// RAII for HDF5 identifiers (the .cpp files that talk to HDF5 include this; no public header
// exposes HDF5 types).
#pragma once

#include <hdf5.h>

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

}  // namespace varsphere
