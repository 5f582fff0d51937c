// Least-squares straight lines through measured points: the slope of log(error) against log(h)
// is the observed convergence order; the slope of log(gap) against t is an exponential rate.
#pragma once

#include <cmath>
#include <cstddef>
#include <varsphere/core/error.hpp>
#include <vector>

namespace varsphere {

struct LineFit {
  double slope = 0.0;
  double intercept = 0.0;
  double max_deviation = 0.0;  ///< max |y − (slope·x + intercept)| over the points
};

/// The least-squares line y ≈ slope·x + intercept; InvalidInput for fewer than two distinct x.
inline LineFit fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size() || x.size() < 2) throw InvalidInput("fit_line: need two or more points");
  const double m = static_cast<double>(x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t j = 0; j < x.size(); ++j) {
    sx += x[j], sy += y[j], sxx += x[j] * x[j], sxy += x[j] * y[j];
  }
  const double denominator = m * sxx - sx * sx;
  if (!(denominator > 0)) throw InvalidInput("fit_line: the x values coincide");
  LineFit fit;
  fit.slope = (m * sxy - sx * sy) / denominator;
  fit.intercept = (sy - fit.slope * sx) / m;
  for (std::size_t j = 0; j < x.size(); ++j) {
    fit.max_deviation =
        std::max(fit.max_deviation, std::abs(y[j] - (fit.slope * x[j] + fit.intercept)));
  }
  return fit;
}

/// Observed order p of errors e(K) ≈ C·K^{−p} = C·h^p: the slope of log e against −log K.
inline double fitted_order(const std::vector<double>& K, const std::vector<double>& errors) {
  std::vector<double> x, y;
  for (std::size_t j = 0; j < K.size() && j < errors.size(); ++j) {
    x.push_back(-std::log(K[j]));
    y.push_back(std::log(errors[j]));
  }
  return fit_line(x, y).slope;
}

}  // namespace varsphere
