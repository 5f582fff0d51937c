// Mechanical Lagrangian L = ½ Σ_i |v_i|² − U(X) with a user potential (docs/math.md §3). Its
// Euler–Lagrange equation on (S^{d-1})^n is x_i'' = −P_{x_i} ∇_{x_i} U − |x_i'|² x_i; solutions are
// stationary points of the action, not always minimizers, so the BVP solver drives the discrete
// Euler–Lagrange equations to zero instead of minimizing.
//
// The potential is any object with `template <class T> T operator()(const Mat<T>& X) const`.
#pragma once

#include <varsphere/functionals/lagrangian.hpp>

namespace varsphere {

template <class Potential>
struct MechanicalLagrangian {
  Potential potential;
  template <class T>
  T operator()(const T&, const Mat<T>& X, const Mat<T>& V) const {
    return T(0.5) * V.squaredNorm() - potential(X);
  }
};

template <class Potential>
MechanicalLagrangian(Potential) -> MechanicalLagrangian<Potential>;

}  // namespace varsphere
