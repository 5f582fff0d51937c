// `--lagrangian kinetic|flow-matching|de-giorgi` for `bvp` and `compare`: builds the Lagrangian
// from the attention flags and calls `use(lagrangian)` with its concrete type, so the solver is
// instantiated for each.
#pragma once

#include <string>
#include <varsphere/core/csv.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/de_giorgi_lagrangian.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/functionals/kinetic_lagrangian.hpp>

#include "attention_flags.hpp"

namespace varsphere::apps {

inline const char* kLagrangianNames = "kinetic, flow-matching, de-giorgi";

template <class Use>
void with_lagrangian(const std::string& name, const AttentionFlags& flags, Eigen::Index d,
                     const Use& use) {
  if (flags.norm == "pre") {
    throw InvalidInput("--norm pre: the BVP Lagrangians use the Post-LN field on the sphere");
  }
  if (name == "kinetic") {
    use(KineticLagrangian{});
  } else if (name == "flow-matching") {
    use(FlowMatchingLagrangian{flags.field(d)});
  } else if (name == "de-giorgi") {
    const Eigen::MatrixXd A = flags.interaction(d);
    if (!flags.v.empty() && read_square_matrix(flags.v, d) != A) {
      throw InvalidInput("--lagrangian de-giorgi needs V = A (a gradient flow); use flow-matching");
    }
    if (!std::isfinite(flags.beta) || flags.beta < 0) throw InvalidInput("--beta must be >= 0");
    use(DeGiorgiLagrangian(flags.weights(), flags.beta, A));
  } else {
    throw InvalidInput("unknown Lagrangian '" + name + "' (" + kLagrangianNames + ")");
  }
}

}  // namespace varsphere::apps
