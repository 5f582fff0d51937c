// varsphere — Riemannian optimization and calculus of variations on S^{d-1}, (S^{d-1})^n and their
// tangent bundles. Umbrella header of the public API.
#pragma once

#include <varsphere/core/atomic_file.hpp>
#include <varsphere/core/configuration.hpp>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/jet_gradient.hpp>
#include <varsphere/core/progress.hpp>
#include <varsphere/core/random.hpp>
#include <varsphere/core/scalar.hpp>
#include <varsphere/core/trajectory.hpp>
#include <varsphere/core/trajectory_io.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/functionals/de_giorgi_lagrangian.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/functionals/kinetic_lagrangian.hpp>
#include <varsphere/functionals/lagrangian.hpp>
#include <varsphere/functionals/mechanical_lagrangian.hpp>
#include <varsphere/functionals/metric_weights.hpp>
#include <varsphere/functionals/perturbed_lagrangian.hpp>
#include <varsphere/manifolds/ceres_sphere_manifold.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/manifolds/sphere.hpp>
#include <varsphere/manifolds/tangent_bundle.hpp>
#include <varsphere/solvers/check_el.hpp>
#include <varsphere/solvers/clusters.hpp>
#include <varsphere/solvers/continuation.hpp>
#include <varsphere/solvers/discrete_action.hpp>
#include <varsphere/solvers/discrete_lagrangian.hpp>
#include <varsphere/solvers/el_bvp.hpp>
#include <varsphere/solvers/flow_diagnostics.hpp>
#include <varsphere/solvers/flow_integrator.hpp>
#include <varsphere/solvers/path_comparison.hpp>
#include <varsphere/solvers/shooting.hpp>
