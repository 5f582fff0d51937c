// The ascent and descent flows of the interaction energy E_D (docs/math.md §4, BKKRW):
//
//   unit mobility:     ẋ_i = ± P_{x_i}( (1/n) Σ_j e_ij D x_j )                 = ± (n/2) grad_{x_i}
//   E_D, softmax mobility:  ẋ_i = ± P_{x_i}( Σ_j e_ij D x_j / Σ_k e_ik )            (mobility
//   1/Z_i),
//
// with e_ij = exp(⟨x_i, D x_j⟩) and Z_i = (1/n) Σ_k e_ik. They are the self-attention fields with
// A = V = D and β = 1: USA for unit mobility, SA for the softmax mobility, so every flow
// integrator applies. The explicit normalized-step scheme of the paper's experiments,
//   x_i ← normalize(x_i ± τ (1/n) Σ_j e_ij D x_j),
// is FlowScheme::EulerRenormalize with dt = τ on the unit-mobility field (it steps along the
// field's unprojected velocity).
#pragma once

#include <varsphere/core/extremum.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/functionals/interaction_energy.hpp>

namespace varsphere {

enum class Mobility {
  Unit,     ///< the product metric (Wasserstein with mobility 1)
  Softmax,  ///< mobility 1/Z_i (the SA-type metric)
};

/// The ascent (direction = Ascent) or descent flow of E_D with the given mobility.
AttentionField interaction_field(const InteractionEnergy& energy, Extremum direction,
                                 Mobility mobility);

}  // namespace varsphere
