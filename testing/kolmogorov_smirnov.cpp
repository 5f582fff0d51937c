#include <varsphere/testing/kolmogorov_smirnov.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace varsphere::testing {

double ks_distance_to_density(std::vector<double> samples, const std::function<double(double)>& density,
                              double a, double b, int intervals) {
  if (samples.empty() || !(a < b) || intervals < 1) {
    throw std::invalid_argument("ks_distance_to_density: need samples, a < b and intervals >= 1");
  }
  std::sort(samples.begin(), samples.end());
  std::vector<double> grid(intervals + 1), cdf(intervals + 1, 0.0);
  for (int i = 0; i <= intervals; ++i) grid[i] = a + (b - a) * i / intervals;
  for (int i = 1; i <= intervals; ++i) {
    cdf[i] = cdf[i - 1] + 0.5 * (density(grid[i - 1]) + density(grid[i])) * (grid[i] - grid[i - 1]);
  }
  for (double& c : cdf) c /= cdf.back();
  const double n = static_cast<double>(samples.size());
  double ks = 0;
  for (std::size_t k = 0; k < samples.size(); ++k) {
    const auto it = std::lower_bound(grid.begin(), grid.end(), samples[k]);
    const double F = cdf[std::min<std::ptrdiff_t>(it - grid.begin(), intervals)];
    ks = std::max({ks, std::abs(F - k / n), std::abs(F - (k + 1) / n)});
  }
  return ks;
}

}  // namespace varsphere::testing
