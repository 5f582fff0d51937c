// CSV input/output and configuration validation: exact round trips, and one clear typed error
// for each kind of bad input; atomic writes never leave a half-written or temporary file.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <varsphere/core/atomic_file.hpp>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/product.hpp>

using namespace varsphere;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("varsphere-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() {
    static int c = 0;
    return c;
  }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {}));
  }
};

template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no exception>";
}

}  // namespace

TEST_CASE("points and matrices round-trip exactly through CSV") {
  TempDir dir;
  Rng rng(41);
  const Configuration X = product::random_point(rng, 5, 9);
  write_points(dir.path / "x.csv", X);
  const Configuration Y = read_points(dir.path / "x.csv");
  CHECK(Y.rows() == 5);
  CHECK(Y.cols() == 9);
  CHECK((X - Y).cwiseAbs().maxCoeff() == 0.0);

  const Eigen::MatrixXd A = rng.normal_matrix(4, 4) * 1e-300;  // subnormal-range values too
  write_csv_matrix(dir.path / "a.csv", A);
  CHECK((read_square_matrix(dir.path / "a.csv", 4) - A).cwiseAbs().maxCoeff() == 0.0);
  CHECK(dir.entries() == 2);  // no temporary files left behind
}

TEST_CASE("CSV reader accepts spaces, blank lines, a leading plus and exponents") {
  TempDir dir;
  const auto f = dir.write("p.csv", "\n 1 , 0\n\n+0.0,-1e0\n0.6, 0.8\n");
  const Configuration X = read_points(f);
  CHECK(X.cols() == 3);
  CHECK(X(1, 2) == 0.8);
}

TEST_CASE("bad CSV input gives one clear typed error naming the problem") {
  TempDir dir;
  CHECK(message_of<IoError>([&] {
          read_points(dir.path / "missing.csv");
        }).find("missing.csv': no such file") != std::string::npos);
  CHECK(message_of<IoError>([&] { read_points(dir.path); }).find("directory") != std::string::npos);
  CHECK(message_of<IoError>([&] {
          read_points(dir.write("e.csv", "\n\n"));
        }).find("holds no numbers") != std::string::npos);
  CHECK(message_of<IoError>([&] {
          read_points(dir.write("r.csv", "1,0,0\n0,1\n"));
        }).find("r.csv:2: 2 values but earlier rows have 3 (ragged rows)") != std::string::npos);
  CHECK(message_of<IoError>([&] {
          read_points(dir.write("n.csv", "1,0\n0,abc\n"));
        }).find("n.csv:2: field 2: 'abc' is not a number") != std::string::npos);
  CHECK(message_of<IoError>([&] {
          read_points(dir.write("t.csv", "1,0\n0,1x\n"));
        }).find("'1x' is not a number") != std::string::npos);
  CHECK(message_of<IoError>([&] {
          read_points(dir.write("c.csv", "1,0,\n"));
        }).find("field 3: '' is not a number") != std::string::npos);
  CHECK(message_of<InvalidInput>([&] {
          read_points(dir.write("nan.csv", "1,0\nnan,1\n"));
        }).find("token 2 coordinate 1 is not finite") != std::string::npos);
  CHECK(message_of<InvalidInput>([&] {
          read_points(dir.write("u.csv", "1,0\n0.6,0.9\n"));
        }).find("token 2 has norm") != std::string::npos);
  CHECK(message_of<InvalidInput>([&] {
          read_points(dir.write("d1.csv", "1\n1\n"));
        }).find("d >= 2") != std::string::npos);
  CHECK(message_of<InvalidInput>([&] {
          read_square_matrix(dir.write("m.csv", "1,0\n0,1\n"), 3);
        }).find("expected a 3x3 matrix, found 2x2") != std::string::npos);
  CHECK(message_of<InvalidInput>([&] {
          read_square_matrix(dir.write("mi.csv", "1,inf\n0,1\n"), 2);
        }).find("entry (1, 2) is not finite") != std::string::npos);
}

TEST_CASE("validation of in-memory configurations") {
  Eigen::MatrixXd X(3, 2);
  X << 1, 0, 0, 1, 0, 0;
  CHECK_NOTHROW(validate_configuration(X));
  X(0, 0) = 1 + 2e-6;
  CHECK_THROWS_AS(validate_configuration(X), InvalidInput);
  CHECK_NOTHROW(validate_configuration(X, 1e-5));
  X(0, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(validate_configuration(X), InvalidInput);
  CHECK_THROWS_AS(validate_configuration(Eigen::MatrixXd(3, 0)), InvalidInput);
  CHECK_THROWS_AS(normalize_columns(Eigen::MatrixXd::Zero(3, 2)), InvalidInput);
  const Configuration N = normalize_columns(Eigen::MatrixXd::Constant(3, 2, 2.0));
  CHECK((N.colwise().norm().array() - 1.0).abs().maxCoeff() <= 1e-16);
}

TEST_CASE("atomic writes leave the previous file intact on failure") {
  TempDir dir;
  const fs::path target = dir.write("keep.csv", "old contents\n");
  CHECK_THROWS_AS(write_text_atomically(target,
                                        [](std::ostream& out) {
                                          out << "half";
                                          throw IoError("writer failed midway");
                                        }),
                  IoError);
  std::ifstream in(target);
  std::string line;
  std::getline(in, line);
  CHECK(line == "old contents");
  CHECK(dir.entries() == 1);  // the temporary file was removed
  // A target in a directory that does not exist: clear error, nothing created.
  CHECK(message_of<IoError>([&] {
          write_points(dir.path / "no" / "x.csv", Eigen::MatrixXd::Identity(2, 2));
        }).find("does not exist") != std::string::npos);
}

// Issue 14: numbers beyond a double, and tokens inside the unit tolerance.
TEST_CASE("CSV numbers: overflow is an error, underflow rounds to zero") {
  TempDir dir;
  const std::string message = message_of<IoError>(
      [&] { read_csv_matrix(dir.write("o.csv", "1,0,0\n0,1e400,0\n")); });
  CHECK(message.find("o.csv:2: field 2: '1e400' is out of the range of a double") !=
        std::string::npos);
  const Eigen::MatrixXd M = read_csv_matrix(dir.write("u.csv", "1,1e-400,-1e-400\n"));
  CHECK(M(0, 0) == 1.0);
  CHECK(std::abs(M(0, 1)) < std::numeric_limits<double>::min());
  CHECK(std::abs(M(0, 2)) < std::numeric_limits<double>::min());
}

TEST_CASE("points inside the unit tolerance are normalized when read; unit rows are kept exactly") {
  TempDir dir;
  const Configuration X =
      read_points(dir.write("near.csv", "1.0000001,0,0\n0,0.6,0.8\n0.6,0,-0.80000005\n"));
  for (Eigen::Index i = 0; i < X.cols(); ++i) CHECK(std::abs(X.col(i).norm() - 1.0) < 1e-15);
  CHECK(X(0, 0) == 1.0);  // 1.0000001 / 1.0000001
  CHECK(X(1, 1) == 0.6);  // a row of norm 1 to rounding is left bit for bit
  CHECK(X(2, 1) == 0.8);
}
