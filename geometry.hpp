// varsphere geometry: the sphere S^{d-1}, the product (S^{d-1})^n and its tangent bundle — exp,
// log, distance, transport, retractions, projections, geodesics, tangent bases, Riemannian
// gradients and Hessians, for double and ceres::Jet (docs/math.md §1). The cheap header: no
// solver, no Ceres problem, no Odeint.
#pragma once

#include <varsphere/core/configuration.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/manifolds/sphere.hpp>
#include <varsphere/manifolds/tangent_bundle.hpp>
