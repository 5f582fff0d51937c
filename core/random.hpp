// Seeded random numbers. There is no global generator: every random quantity takes an Rng that
// the caller seeded, so a run is reproducible from its seed.
//
// The engine is std::mt19937_64 (its output sequence is fixed by the C++ standard); uniform and
// normal variates are derived here rather than with std::*_distribution, whose algorithms differ
// between standard libraries, so a seed gives the same numbers everywhere.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <random>

namespace varsphere {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  /// Uniform on [0, 1) with 53 random bits.
  double uniform();
  /// Standard normal (Box–Muller; one variate per call, no cached state between calls).
  double normal();
  /// A vector of d independent standard normals.
  Eigen::VectorXd normal_vector(Eigen::Index d);
  /// A d×n matrix of independent standard normals.
  Eigen::MatrixXd normal_matrix(Eigen::Index d, Eigen::Index n);
  /// Raw 64-bit output (for deriving seeds of sub-streams).
  std::uint64_t next_u64() { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace varsphere
