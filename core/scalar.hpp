// The real value of a scalar that may be a double or a ceres::Jet (automatic differentiation).
// Geometry is templated on the scalar; branch decisions and diagnostics use value_of().
#pragma once

#include <ceres/jet.h>

namespace varsphere {

inline double value_of(double x) {
  return x;
}

template <class T, int N>
double value_of(const ceres::Jet<T, N>& x) {
  return value_of(x.a);
}

}  // namespace varsphere
