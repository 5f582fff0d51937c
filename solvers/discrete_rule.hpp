// Quadrature rules of the discrete Lagrangian (docs/math.md §3.2).
#pragma once

#include <string>

namespace varsphere {

enum class DiscreteRule {
  Midpoint,      ///< geodesic midpoint and velocity, t* = t_a + h/2: order 2
  LeftEndpoint,  ///< X_a and log_{X_a} X_b / h, t* = t_a: order 1
};

/// "midpoint" or "left"; throws InvalidInput otherwise.
DiscreteRule parse_discrete_rule(const std::string& name);
std::string to_string(DiscreteRule rule);

inline double step_time(DiscreteRule rule, double t_a, double h) {
  return rule == DiscreteRule::Midpoint ? t_a + 0.5 * h : t_a;
}

}  // namespace varsphere
