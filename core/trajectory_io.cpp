#include <varsphere/core/trajectory_io.hpp>

#include <hdf5.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <varsphere/core/atomic_file.hpp>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/h5_handle.hpp>
#include <varsphere/core/memory_budget.hpp>

namespace varsphere {

namespace {

std::string extension_of(const std::filesystem::path& path) {
  return path.extension().string();
}

void check_consistent(const Trajectory& traj) {
  if (traj.empty()) throw InvalidInput("trajectory: nothing to write (no frames)");
  if (traj.times.size() != traj.frames.size()) {
    throw InvalidInput("trajectory: number of times and frames differ");
  }
  for (const auto& X : traj.frames) {
    if (X.rows() != traj.dimension() || X.cols() != traj.tokens()) {
      throw InvalidInput("trajectory: frames have different shapes");
    }
  }
}

void validate_read(const Trajectory& traj, const std::string& name, double unit_tol) {
  if (traj.empty()) throw IoError(name + ": the trajectory has no frames");
  for (std::size_t k = 0; k < traj.size(); ++k) {
    if (!std::isfinite(traj.times[k])) throw InvalidInput(name + ": a time is not finite");
    if (k > 0 && !(traj.times[k] > traj.times[k - 1])) {
      throw InvalidInput(name + ": times must increase strictly (frame " + std::to_string(k + 1) +
                         ")");
    }
    validate_configuration(
        traj.frames[k], unit_tol,
        name + " frame " + std::to_string(k + 1) + " (t = " + std::to_string(traj.times[k]) + ")");
  }
}

void write_csv(const std::filesystem::path& path, const Trajectory& traj) {
  write_text_atomically(path, [&](std::ostream& out) {
    out << "t,token";
    for (Eigen::Index c = 0; c < traj.dimension(); ++c) out << ",x" << c + 1;
    out << '\n';
    char buf[64];
    auto put = [&](double v) {
      const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 17);
      out.write(buf, r.ptr - buf);
    };
    for (std::size_t k = 0; k < traj.size(); ++k) {
      const auto& X = traj.frames[k];
      for (Eigen::Index i = 0; i < X.cols(); ++i) {
        put(traj.times[k]);
        out << ',' << i + 1;
        for (Eigen::Index c = 0; c < X.rows(); ++c) {
          out << ',';
          put(X(c, i));
        }
        out << '\n';
      }
    }
  });
}

Trajectory read_csv(const std::filesystem::path& path) {
  const std::string name = path.string();
  require_regular_input(path);
  std::ifstream in(path);
  if (!in) throw IoError("cannot read '" + name + "': cannot open it");
  return read_trajectory_csv(in, name);
}

}  // namespace

Trajectory read_trajectory_csv(std::istream& in, const std::string& name) {
  std::string header;
  std::getline(in, header);
  if (header.rfind("t,token,x1", 0) != 0) {
    throw IoError(name + ":1: expected the header 't,token,x1,...,xd'");
  }
  const Eigen::MatrixXd rows = read_csv_matrix(in, name, 1);
  if (rows.cols() < 4) throw IoError(name + ": need the columns t, token and at least x1, x2");
  const Eigen::Index d = rows.cols() - 2;
  Trajectory traj;
  Eigen::Index r = 0;
  for (Eigen::Index k = 0; k < rows.rows(); ++k) {
    // Frames are grouped by equal times: a NaN time equals nothing, not even itself.
    if (!std::isfinite(rows(k, 0))) {
      throw IoError(name + ":" + std::to_string(k + 2) + ": the time is not finite");
    }
  }
  while (r < rows.rows()) {
    const double t = rows(r, 0);
    Eigen::Index n = 0;
    while (r + n < rows.rows() && rows(r + n, 0) == t) ++n;
    Eigen::MatrixXd X(d, n);
    for (Eigen::Index i = 0; i < n; ++i) {
      if (rows(r + i, 1) != double(i + 1)) {
        throw IoError(name + ":" + std::to_string(r + i + 2) + ": expected token " +
                      std::to_string(i + 1) + " at t = " + std::to_string(t));
      }
      X.col(i) = rows.row(r + i).tail(d).transpose();
    }
    if (!traj.empty() && n != traj.tokens()) {
      throw IoError(name + ": frame at t = " + std::to_string(t) + " has " + std::to_string(n) +
                    " tokens but earlier frames have " + std::to_string(traj.tokens()));
    }
    traj.push_back(t, X);
    r += n;
  }
  return traj;
}

namespace {

bool write_attribute(hid_t file, const std::string& key, const AttributeValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return write_scalar_attribute(file, key, *text);
  if (const auto* number = std::get_if<double>(&value)) return write_scalar_attribute(file, key, *number);
  const Eigen::MatrixXd& M = std::get<Eigen::MatrixXd>(value);
  const Eigen::Matrix<double, -1, -1, Eigen::RowMajor> rows = M;  // C order for h5py
  const hsize_t dims[2] = {static_cast<hsize_t>(M.rows()), static_cast<hsize_t>(M.cols())};
  H5Handle space{H5Screate_simple(2, dims, nullptr), H5Sclose};
  H5Handle attr{H5Acreate2(file, key.c_str(), H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose};
  return attr.id >= 0 && H5Awrite(attr.id, H5T_NATIVE_DOUBLE, rows.data()) >= 0;
}

void write_h5(const std::filesystem::path& path, const Trajectory& traj,
              const TrajectoryAttributes& attributes) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported by us, in one line
  AtomicOutput out(path);
  const std::string fail = "cannot write '" + path.string() + "': HDF5 error";
  {
    // No modification times in object headers: the same data gives the same bytes.
    H5Handle fcpl{H5Pcreate(H5P_FILE_CREATE), H5Pclose};
    H5Handle dcpl{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
    if (fcpl.id < 0 || dcpl.id < 0 || H5Pset_obj_track_times(fcpl.id, false) < 0 ||
        H5Pset_obj_track_times(dcpl.id, false) < 0) {
      throw IoError(fail + " setting up the file");
    }
    H5Handle file{H5Fcreate(out.temporary_path().c_str(), H5F_ACC_TRUNC, fcpl.id, H5P_DEFAULT),
                  H5Fclose};
    if (file.id < 0) throw IoError(fail + " creating the file");
    const hsize_t m = traj.size(), n = traj.tokens(), d = traj.dimension();
    {
      H5Handle space{H5Screate_simple(1, &m, nullptr), H5Sclose};
      H5Handle set{
          H5Dcreate2(file.id, "t", H5T_IEEE_F64LE, space.id, H5P_DEFAULT, dcpl.id, H5P_DEFAULT),
          H5Dclose};
      if (set.id < 0 ||
          H5Dwrite(set.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, traj.times.data()) < 0)
        throw IoError(fail + " writing t");
    }
    {
      // A column-major d×n frame is the C-order [n][d] block of one time: copy frames in turn.
      std::vector<double> buffer(m * n * d);
      for (std::size_t k = 0; k < m; ++k) {
        std::copy(traj.frames[k].data(), traj.frames[k].data() + n * d, buffer.data() + k * n * d);
      }
      const hsize_t dims[3] = {m, n, d};
      H5Handle space{H5Screate_simple(3, dims, nullptr), H5Sclose};
      H5Handle set{
          H5Dcreate2(file.id, "X", H5T_IEEE_F64LE, space.id, H5P_DEFAULT, dcpl.id, H5P_DEFAULT),
          H5Dclose};
      if (set.id < 0 ||
          H5Dwrite(set.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0)
        throw IoError(fail + " writing X");
    }
    for (const auto& [key, value] : attributes) {
      if (!write_attribute(file.id, key, value)) throw IoError(fail + " writing attribute " + key);
    }
    if (H5Fflush(file.id, H5F_SCOPE_GLOBAL) < 0) throw IoError(fail + " flushing");
  }
  out.commit();
}

Trajectory read_h5(const std::filesystem::path& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const std::string name = path.string();
  require_regular_input(path);
  H5Handle file{H5Fopen(name.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) throw IoError("cannot read '" + name + "': not an HDF5 file");
  H5Handle tset{H5Dopen2(file.id, "t", H5P_DEFAULT), H5Dclose};
  H5Handle xset{H5Dopen2(file.id, "X", H5P_DEFAULT), H5Dclose};
  if (tset.id < 0 || xset.id < 0) throw IoError(name + ": datasets 't' and 'X' are required");
  H5Handle tspace{H5Dget_space(tset.id), H5Sclose};
  H5Handle xspace{H5Dget_space(xset.id), H5Sclose};
  hsize_t m = 0, dims[3] = {0, 0, 0};
  if (H5Sget_simple_extent_ndims(tspace.id) != 1 || H5Sget_simple_extent_ndims(xspace.id) != 3) {
    throw IoError(name + ": 't' must be 1-D and 'X' 3-D [m][n][d]");
  }
  H5Sget_simple_extent_dims(tspace.id, &m, nullptr);
  H5Sget_simple_extent_dims(xspace.id, dims, nullptr);
  if (dims[0] != m) throw IoError(name + ": 't' and 'X' have different numbers of frames");
  // The header alone sets the sizes: check them before a buffer is sized from them.
  require_memory(8.0 * (static_cast<double>(m) * (1.0 + 2.0 * static_cast<double>(dims[1]) *
                                                           static_cast<double>(dims[2]))),
                 name + ": reading 'X' of " + std::to_string(m) + " x " + std::to_string(dims[1]) +
                     " x " + std::to_string(dims[2]) + " values");
  if (m > 0 && (dims[1] == 0 || dims[2] == 0)) throw IoError(name + ": 'X' has an empty dimension");
  std::vector<double> times(m), buffer(m * dims[1] * dims[2]);
  if (H5Dread(tset.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, times.data()) < 0 ||
      H5Dread(xset.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0) {
    throw IoError(name + ": cannot read the datasets");
  }
  Trajectory traj;
  const Eigen::Index n = dims[1], d = dims[2];
  for (hsize_t k = 0; k < m; ++k) {
    traj.push_back(times[k], Eigen::Map<const Eigen::MatrixXd>(buffer.data() + k * n * d, d, n));
  }
  return traj;
}

}  // namespace

void check_trajectory_path(const std::filesystem::path& path) {
  const std::string ext = extension_of(path);
  if (ext != ".csv" && ext != ".h5") {
    throw InvalidInput("'" + path.string() + "': trajectory files must end in .csv or .h5");
  }
}

void write_trajectory(const std::filesystem::path& path, const Trajectory& traj,
                      const TrajectoryAttributes& attributes) {
  check_trajectory_path(path);
  check_consistent(traj);
  if (extension_of(path) == ".csv") {
    write_csv(path, traj);
  } else {
    write_h5(path, traj, attributes);
  }
}

TrajectoryAttributes read_trajectory_attributes(const std::filesystem::path& path) {
  check_trajectory_path(path);
  TrajectoryAttributes out;
  if (extension_of(path) == ".csv") return out;
  require_regular_input(path);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const std::string name = path.string();
  H5Handle file{H5Fopen(name.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) throw IoError("cannot read '" + name + "': not an HDF5 file");
  H5O_info_t info;
  if (H5Oget_info2(file.id, &info, H5O_INFO_NUM_ATTRS) < 0) {
    throw IoError(name + ": cannot list the attributes");
  }
  for (hsize_t k = 0; k < info.num_attrs; ++k) {
    H5Handle attr{H5Aopen_by_idx(file.id, ".", H5_INDEX_NAME, H5_ITER_INC, k, H5P_DEFAULT,
                                 H5P_DEFAULT),
                  H5Aclose};
    if (attr.id < 0) throw IoError(name + ": cannot open an attribute");
    const ssize_t length = H5Aget_name(attr.id, 0, nullptr);
    std::string key(static_cast<std::size_t>(std::max<ssize_t>(length, 0)), '\0');
    H5Aget_name(attr.id, key.size() + 1, key.data());
    H5Handle type{H5Aget_type(attr.id), H5Tclose};
    H5Handle space{H5Aget_space(attr.id), H5Sclose};
    if (H5Tget_class(type.id) == H5T_STRING) {
      std::string text(H5Tget_size(type.id), '\0');
      H5Handle memtype{H5Tcopy(H5T_C_S1), H5Tclose};
      H5Tset_size(memtype.id, text.size() + 1);
      std::vector<char> buffer(text.size() + 1, '\0');
      if (H5Aread(attr.id, memtype.id, buffer.data()) < 0) throw IoError(name + ": bad " + key);
      out[key] = std::string(buffer.data());
    } else if (H5Tget_class(type.id) == H5T_FLOAT) {
      const int rank = H5Sget_simple_extent_ndims(space.id);
      hsize_t dims[2] = {1, 1};
      if (rank > 2) throw IoError(name + ": attribute " + key + " has rank above 2");
      if (rank > 0) H5Sget_simple_extent_dims(space.id, dims, nullptr);
      Eigen::Matrix<double, -1, -1, Eigen::RowMajor> M(dims[0], rank == 2 ? dims[1] : 1);
      if (H5Aread(attr.id, H5T_NATIVE_DOUBLE, M.data()) < 0) throw IoError(name + ": bad " + key);
      if (rank == 0) {
        out[key] = M(0, 0);
      } else {
        out[key] = Eigen::MatrixXd(M);
      }
    }
  }
  return out;
}

Trajectory read_trajectory(const std::filesystem::path& path, double unit_tol) {
  check_trajectory_path(path);
  Trajectory traj = extension_of(path) == ".csv" ? read_csv(path) : read_h5(path);
  validate_read(traj, path.string(), unit_tol);
  return traj;
}

}  // namespace varsphere
