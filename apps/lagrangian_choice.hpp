// `--lagrangian kinetic|flow-matching|de-giorgi` for `bvp` and `compare`: builds the Lagrangian
// from the loaded attention model and calls `use(lagrangian)` with its concrete type, so the
// solver is instantiated for each.
#pragma once

#include <varsphere/functionals/ngpt_field.hpp>

#include <string>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/de_giorgi_lagrangian.hpp>
#include <varsphere/functionals/flow_matching_lagrangian.hpp>
#include <varsphere/functionals/kinetic_lagrangian.hpp>

#include "attention_flags.hpp"

namespace varsphere::apps {

inline const char* kLagrangianNames = "kinetic, flow-matching, de-giorgi";

template <class Use>
void with_lagrangian(const std::string& name, const AttentionFlags& flags,
                     const AttentionModel& model, const Use& use) {
  // Post-LN and nGPT keep the tokens on the sphere; Pre/Peri-LN carry a radius the BVP has not.
  if (flags.norm != "post" && !(flags.norm == "ngpt" && name != "de-giorgi")) {
    throw InvalidInput("--norm " + flags.norm + ": the BVP Lagrangians use a field on the sphere "
                       "(post; ngpt with flow-matching or kinetic)");
  }
  if (flags.model == "hardmax" && name != "kinetic") {
    throw InvalidInput("--model hardmax: its field is discontinuous at ties; the BVP needs a "
                       "differentiable field (use sa with a large --beta)");
  }
  if (name == "kinetic") {
    use(KineticLagrangian{});
  } else if (name == "flow-matching") {
    if (flags.norm == "ngpt") {
      use(FlowMatchingLagrangian<NgptField>{NgptField(model.field, flags.ngpt_alpha)});
    } else {
      use(FlowMatchingLagrangian{model.field});
    }
  } else if (name == "de-giorgi") {
    if (flags.model == "sinkhorn") {
      throw InvalidInput("--lagrangian de-giorgi: sinkhorn attention has no shipped energy "
                         "structure; use flow-matching");
    }
    if (flags.biased()) {
      throw InvalidInput("--lagrangian de-giorgi: a masked or biased attention flow is not the "
                         "gradient flow of E_beta; use flow-matching");
    }
    // Without --v the De Giorgi Lagrangian takes V = A, the gradient-flow case.
    if (!flags.v.empty() && model.V != model.A) {
      throw InvalidInput("--lagrangian de-giorgi needs V = A (a gradient flow); use flow-matching");
    }
    use(DeGiorgiLagrangian(flags.normalization(), flags.beta, model.A));
  } else {
    throw InvalidInput("unknown Lagrangian '" + name + "' (" + kLagrangianNames + ")");
  }
}

}  // namespace varsphere::apps
