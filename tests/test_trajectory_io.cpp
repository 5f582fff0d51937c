// Trajectory files: exact CSV and HDF5 round trips, and one clear error per kind of bad file.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/core/trajectory_io.hpp>
#include <varsphere/manifolds/product.hpp>

using namespace varsphere;
namespace fs = std::filesystem;

namespace {
struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("varsphere-traj-" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() { fs::remove_all(dir); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return dir / name;
  }
};

Trajectory sample(int frames) {
  Rng rng(71);
  Trajectory traj;
  for (int k = 0; k < frames; ++k) traj.push_back(0.1 * k, product::random_point(rng, 3, 5));
  return traj;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}
}  // namespace

TEST_CASE("trajectories round-trip exactly through CSV and HDF5") {
  Scratch s;
  const Trajectory traj = sample(4);
  for (const char* name : {"t.csv", "t.h5"}) {
    CAPTURE(name);
    write_trajectory(s.dir / name, traj, {{"model", std::string("sa")}, {"beta", 1.0}});
    const Trajectory back = read_trajectory(s.dir / name);
    REQUIRE(back.size() == traj.size());
    for (std::size_t k = 0; k < traj.size(); ++k) {
      CHECK(back.times[k] == traj.times[k]);
      CHECK((back.frames[k] - traj.frames[k]).cwiseAbs().maxCoeff() == 0.0);
    }
  }
  // The CSV layout of README.md, "File formats".
  std::ifstream in(s.dir / "t.csv");
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  CHECK(header == "t,token,x1,x2,x3");
  CHECK(first.rfind("0,1,", 0) == 0);
  // HDF5: X is [m][n][d] and the attributes are stored.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t f = H5Fopen((s.dir / "t.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t x = H5Dopen2(f, "X", H5P_DEFAULT);
  const hid_t space = H5Dget_space(x);
  hsize_t dims[3];
  H5Sget_simple_extent_dims(space, dims, nullptr);
  CHECK(dims[0] == 4);
  CHECK(dims[1] == 5);
  CHECK(dims[2] == 3);
  CHECK(H5Aexists(f, "beta") > 0);
  H5Sclose(space);
  H5Dclose(x);
  H5Fclose(f);
  CHECK(std::distance(fs::directory_iterator(s.dir), {}) == 2);  // no temporaries left
}

TEST_CASE("HDF5 attributes are typed: numbers at full precision, strings, matrices in C order") {
  Scratch s;
  Eigen::MatrixXd A(2, 3);
  A << 1.0 / 3.0, -2.5e-17, 4.0, std::nextafter(1.0, 2.0), 1e300, -0.0;
  const double beta = 0.1 + 0.2;  // not representable in 6 digits
  write_trajectory(s.dir / "t.h5", sample(2),
                   {{"beta", beta}, {"name", std::string("a b, c")}, {"A", A}});
  const TrajectoryAttributes back = read_trajectory_attributes(s.dir / "t.h5");
  REQUIRE(back.size() == 3);
  REQUIRE(std::holds_alternative<double>(back.at("beta")));
  CHECK(std::get<double>(back.at("beta")) == beta);  // bit for bit
  REQUIRE(std::holds_alternative<std::string>(back.at("name")));
  CHECK(std::get<std::string>(back.at("name")) == "a b, c");
  REQUIRE(std::holds_alternative<Eigen::MatrixXd>(back.at("A")));
  const Eigen::MatrixXd& B = std::get<Eigen::MatrixXd>(back.at("A"));
  REQUIRE(B.rows() == 2);
  REQUIRE(B.cols() == 3);
  CHECK((B - A).cwiseAbs().maxCoeff() == 0.0);
  // h5py's view: a 2×3 float64 attribute whose first row is A's first row (C order).
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t f = H5Fopen((s.dir / "t.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t a = H5Aopen(f, "A", H5P_DEFAULT);
  double raw[6];
  REQUIRE(H5Aread(a, H5T_NATIVE_DOUBLE, raw) >= 0);
  CHECK(raw[1] == A(0, 1));
  CHECK(raw[3] == A(1, 0));
  H5Aclose(a);
  H5Fclose(f);
  CHECK(read_trajectory_attributes(s.dir / "none.csv").empty());
}

TEST_CASE("bad trajectory files give one clear error") {
  Scratch s;
  CHECK(error_of([&] { read_trajectory(s.dir / "none.csv"); }).find("no such file") !=
        std::string::npos);
  CHECK(error_of([&] { read_trajectory(s.dir / "x.txt"); }).find("must end in .csv or .h5") !=
        std::string::npos);
  CHECK(error_of([&] {
          read_trajectory(s.write("h.csv", "a,b\n1,2\n"));
        }).find("expected the header") != std::string::npos);
  CHECK(error_of([&] {
          read_trajectory(s.write("r.csv", "t,token,x1,x2\n0,1,1,0\n0,2,0\n"));
        }).find("r.csv:3") != std::string::npos);
  CHECK(error_of([&] {
          read_trajectory(s.write("u.csv", "t,token,x1,x2\n0,1,1,0\n0,2,0,2\n"));
        }).find("token 2 has norm") != std::string::npos);
  CHECK(error_of([&] {
          read_trajectory(s.write("o.csv", "t,token,x1,x2\n1,1,1,0\n0,1,0,1\n"));
        }).find("increase") != std::string::npos);
  CHECK(error_of([&] {
          read_trajectory(s.write("n.csv", "t,token,x1,x2\n0,1,nan,0\n"));
        }).find("not finite") != std::string::npos);
  CHECK(error_of([&] { read_trajectory(s.write("f.h5", "not hdf5")); }).find("not an HDF5 file") !=
        std::string::npos);
  CHECK(error_of([&] { write_trajectory(s.dir / "e.csv", Trajectory{}); }).find("no frames") !=
        std::string::npos);
  CHECK(error_of([&] {
          write_trajectory(s.dir / "missing" / "e.h5", sample(2));
        }).find("does not exist") != std::string::npos);
}

// Issue 14: inputs that used to hang or exhaust memory.
TEST_CASE("a NaN time in a trajectory CSV is an error, not an endless loop") {
  Scratch s;
  const std::string message =
      error_of([&] { read_trajectory(s.write("nan_t.csv", "t,token,x1,x2\nnan,1,1,0\n")); });
  CHECK(message.find("nan_t.csv:2: the time is not finite") != std::string::npos);
}

TEST_CASE("an HDF5 header with huge dimensions is refused before any buffer is sized from it") {
  // From the audit (fuzz corpus): 't' and 'X' declare about 10^9 frames.
  const fs::path file = fs::path(VARSPHERE_TEST_DATA_DIR) / "trajectory_h5_huge_dims.h5";
  CHECK_THROWS_AS(read_trajectory(file), ResourceLimit);
  CHECK(error_of([&] { read_trajectory(file); }).find("needs") != std::string::npos);
}

TEST_CASE("the same trajectory gives byte-identical HDF5 files") {
  Scratch s;
  const Trajectory traj = sample(3);
  write_trajectory(s.dir / "a.h5", traj, {{"object", std::string("test")}});
  write_trajectory(s.dir / "b.h5", traj, {{"object", std::string("test")}});
  auto bytes = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string a = bytes(s.dir / "a.h5"), b = bytes(s.dir / "b.h5");
  CHECK(a.size() > 1000);
  CHECK(a == b);
}
