// The Kolmogorov–Smirnov distance of samples to a law given by its (unnormalized) density on an
// interval: sup_x |F_n(x) − F(x)|, with F from the trapezoid rule on `intervals` equal intervals.
// Framework-neutral like the rest of testing/: it returns the figure, the caller judges it
// (critical value at the 1% level ≈ 1.63/sqrt(n) for n independent samples).
#pragma once

#include <functional>
#include <vector>

namespace varsphere::testing {

/// Throws std::invalid_argument for no samples, a ≥ b or intervals < 1.
double ks_distance_to_density(std::vector<double> samples, const std::function<double(double)>& density,
                              double a, double b, int intervals = 200000);

}  // namespace varsphere::testing
