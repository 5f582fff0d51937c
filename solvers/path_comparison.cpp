#include <varsphere/solvers/path_comparison.hpp>

namespace varsphere {

double path_length(const Trajectory& path) {
  double total = 0.0;
  for (std::size_t k = 0; k + 1 < path.size(); ++k) {
    total += product::distance(path.frames[k], path.frames[k + 1]);
  }
  return total;
}

PathComparison compare_paths(const Trajectory& a, const Trajectory& b) {
  if (a.size() != b.size() || a.dimension() != b.dimension() || a.tokens() != b.tokens()) {
    throw InvalidInput("compare_paths: the paths differ in frames or shape");
  }
  PathComparison c;
  double integral = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (std::abs(a.times[k] - b.times[k]) > 1e-12 * std::max(1.0, std::abs(a.times[k]))) {
      throw InvalidInput("compare_paths: the paths are on different time grids");
    }
    const double dist = product::distance(a.frames[k], b.frames[k]);
    c.sup_distance = std::max(c.sup_distance, dist);
    if (k > 0) {
      const double prev = product::distance(a.frames[k - 1], b.frames[k - 1]);
      integral += 0.5 * (a.times[k] - a.times[k - 1]) * (prev * prev + dist * dist);
    }
  }
  c.l2_distance = std::sqrt(integral);
  c.length_a = path_length(a);
  c.length_b = path_length(b);
  c.endpoint_distance = product::distance(a.frames.front(), a.frames.back());
  return c;
}

}  // namespace varsphere
