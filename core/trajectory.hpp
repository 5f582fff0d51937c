// A trajectory or path on (S^{d-1})^n: configurations X(t_k) (d×n each) at increasing times.
#pragma once

#include <Eigen/Core>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace varsphere {

struct Trajectory {
  std::vector<double> times;
  std::vector<Eigen::MatrixXd> frames;  ///< frames[k] = X(times[k]), d×n

  std::size_t size() const { return times.size(); }
  bool empty() const { return times.empty(); }
  void push_back(double t, const Eigen::MatrixXd& X) {
    times.push_back(t);
    frames.push_back(X);
  }
  Eigen::Index dimension() const { return frames.empty() ? 0 : frames.front().rows(); }
  Eigen::Index tokens() const { return frames.empty() ? 0 : frames.front().cols(); }
};

/// One run parameter stored with a trajectory: a number (an HDF5 double, full precision), a string,
/// or a matrix (a 2-D double attribute in C order, rows × columns).
using AttributeValue = std::variant<double, std::string, Eigen::MatrixXd>;

/// Run parameters stored with a trajectory (HDF5 attributes of the root group; ignored by CSV).
using TrajectoryAttributes = std::map<std::string, AttributeValue>;

}  // namespace varsphere
