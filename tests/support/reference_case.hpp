// Readers for the plain-number reference cases produced by the papers' published code
// (tests/data/README.md): *.mat, *.series, *.traj, *.params.
#pragma once

#include <Eigen/Core>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace varsphere::testing {

inline std::string data_path(const std::string& name) {
  return std::string(VARSPHERE_TEST_DATA_DIR) + "/" + name;
}

inline std::ifstream open_case(const std::string& name) {
  std::ifstream in(data_path(name));
  if (!in) throw std::runtime_error("missing test data file " + data_path(name));
  in.precision(17);
  return in;
}

/// `rows`, `cols`, then values row-major; returned as stored (rows × cols).
inline Eigen::MatrixXd read_mat(const std::string& name) {
  auto in = open_case(name);
  Eigen::Index rows = 0, cols = 0;
  in >> rows >> cols;
  Eigen::MatrixXd M(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index c = 0; c < cols; ++c) in >> M(r, c);
  if (!in) throw std::runtime_error("truncated test data file " + name);
  return M;
}

/// A point set stored one token per row, returned as the d×n configuration.
inline Eigen::MatrixXd read_points_case(const std::string& name) {
  return read_mat(name).transpose();
}

/// `m`, then m values.
inline Eigen::VectorXd read_series(const std::string& name) {
  auto in = open_case(name);
  Eigen::Index m = 0;
  in >> m;
  Eigen::VectorXd v(m);
  for (Eigen::Index k = 0; k < m; ++k) in >> v(k);
  if (!in) throw std::runtime_error("truncated test data file " + name);
  return v;
}

struct ReferenceTrajectory {
  std::vector<double> times;
  std::vector<Eigen::MatrixXd> frames;  // each d×n
};

/// `nt`, `n`, `d`, then per frame: `t` and n*d values row-major (token per row).
inline ReferenceTrajectory read_traj(const std::string& name) {
  auto in = open_case(name);
  Eigen::Index nt = 0, n = 0, d = 0;
  in >> nt >> n >> d;
  ReferenceTrajectory traj;
  for (Eigen::Index k = 0; k < nt; ++k) {
    double t = 0.0;
    in >> t;
    Eigen::MatrixXd X(d, n);
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index c = 0; c < d; ++c) in >> X(c, i);
    traj.times.push_back(t);
    traj.frames.push_back(std::move(X));
  }
  if (!in) throw std::runtime_error("truncated test data file " + name);
  return traj;
}

/// key=value lines.
inline std::map<std::string, std::string> read_params(const std::string& name) {
  auto in = open_case(name);
  std::map<std::string, std::string> params;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) params[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return params;
}

}  // namespace varsphere::testing
