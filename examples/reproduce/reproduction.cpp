#include "reproduction.hpp"

#include <cmath>

namespace varsphere::reproduce {

Row within(const std::string& id, const std::string& paper, const std::string& quantity,
           double expected, double measured, double tolerance) {
  Row r{id, paper, quantity, expected, measured, tolerance, Relation::Within, false, {}};
  r.pass = std::abs(measured - expected) <= tolerance;
  return r;
}

Row at_least(const std::string& id, const std::string& paper, const std::string& quantity,
             double bound, double measured) {
  Row r{id, paper, quantity, bound, measured, 0.0, Relation::AtLeast, false, {}};
  r.pass = measured >= bound;
  return r;
}

const std::vector<Reproduction>& reproductions() {
  static const std::vector<Reproduction> table = {
      {"geodesic-bvp", "Gracyk", "kinetic BVP = great circles; midpoint rule of order 2",
       &geodesic_bvp},
      {"transformer-as-flow", "Gracyk",
       "a real encoder's layer-to-layer token motion fitted by an SA flow (path-optimality loss): "
       "R^2 and held-out error against A = beta I, V = I",
       &transformer_as_flow},
      {"flow-is-variational-usa", "Gracyk/GLPR",
       "USA flow = De Giorgi BVP minimizer between its ends; action = energy gain",
       &flow_is_variational_usa},
      {"flow-is-variational-sa", "Gracyk/GLPR",
       "SA flow = De Giorgi BVP minimizer in the Z-weighted metric; action = energy gain",
       &flow_is_variational_sa},
      {"flow-matching-general", "Gracyk",
       "random non-symmetric A, V: the flow-matching BVP recovers the flow",
       &flow_matching_general},
      {"null-lagrangian", "Gracyk", "De Giorgi and flow matching give the same optimal path",
       &null_lagrangian},
      {"checkel-flow", "Gracyk",
       "projected E-L residual along the flow: ~0 for its Lagrangians, not for kinetic",
       &checkel_flow},
      {"inexact-epsilon", "Gracyk", "L + eps M: the optimal path moves by O(eps)",
       &inexact_epsilon},
      {"clustering-d3", "GLPR", "d = 3, random starts: one cluster, E -> e^beta/(2 beta)",
       &clustering_d3},
      {"antipodal-stationary", "GLPR", "(x, -x) is stationary for every beta",
       &antipodal_stationary},
      {"equiangular", "GLPR", "equiangular particles = the scalar rho-ODE", &equiangular},
      {"wendel-hemisphere", "GLPR",
       "P(hemisphere) = Wendel's formula; exponential collapse from hemisphere starts",
       &wendel_hemisphere},
      {"metastability-dotm", "GLPR",
       "published 5-token circle case: merge times 1.27, 2.41, 5.20, 328.4", &metastability_dotm},
      {"long-context", "GLPR", "one layer, beta = gamma log n: limits 1, 4 rho/(1 + 3 rho), rho",
       &long_context},
      {"phase-diagram", "GLPR",
       "fraction of clustered pairs over (beta, t), n = 32 on S^1: the level set 1/2 near the "
       "equiangular ODE curve t*(beta)",
       &phase_diagram},
      {"pre-vs-post-ln", "GLPR", "equiangular: 1 - rho ~ e^{-2t} (Post-LN), ~ 1/t^2 (Pre-LN)",
       &pre_vs_post_ln},
      {"extremizers-psd", "BKKRW",
       "D >= 0: maximum e^{lambda_max} at a point mass on the top eigenvector", &extremizers_psd},
      {"extremizers-nsd", "BKKRW", "D <= 0: maximum cosh|lambda_min| at the antipodal pair",
       &extremizers_nsd},
      {"uniform-minimizer", "BKKRW", "D = I: minimum sinh(1) on S^2, I_0(1) on S^1 (within O(1/n))",
       &uniform_minimizer},
      {"singular-psd", "BKKRW", "singular D >= 0: minimum 1 on measures in ker D", &singular_psd},
      {"four-particles", "BKKRW", "four tokens (±a, ±b): d1 tanh(d1 a^2) = d2 tanh(d2 b^2)",
       &four_particles},
      {"crossover", "BKKRW",
       "D = diag(-1, delta): single mass vs antipodal pair cross at ln cosh 1", &crossover},
      {"density-s1", "BKKRW",
       "D = diag(1, 1 + eps) on S^1: minimizing density ~ exp(f cos 2 theta), f/eps -> "
       "I_1(1)/(2 I_2(1))",
       &density_s1},
      {"two-clusters", "BKKRW",
       "ascent on S^1, D = diag(1, delta): one cluster only for delta near 1, else two",
       &two_clusters},
      {"hessian-classification", "BKKRW",
       "point masses maxima, antipodal pairs saddles/maxima, descent minima",
       &hessian_classification},
      {"splitting-equals-encoder", "TLLC",
       "one Lie splitting step = PyTorch's Post-LN TransformerEncoderLayer (1 and 4 heads)",
       &splitting_equals_encoder},
      {"layernorm-projection", "TLLC",
       "LN = projection onto S1: closed form, nearest point, scale invariance",
       &layernorm_projection},
      {"continuum-refinement", "TLLC",
       "smooth kernels: grid refinement of order 2, continuous depth of order 1 in dt",
       &continuum_refinement},
      {"ln-sphere", "TLLC/GLPR",
       "post-LN tokens live on a sphere; attention-only depth flow = GLPR's SA flow; clustering",
       &ln_sphere},
      {"edi-exact", "MDCBS",
       "energy balance for the project's velocity closes at O(dt): frozen, oscillating, OU",
       &edi_exact},
      {"edi-paper-slope", "MDCBS",
       "paper's dE + int G^2: -> 0 for H = 1; a residual of fixed sign for H = 10",
       &edi_paper_slope},
      {"heads-ou", "MDCBS", "OU weights: time-averaged G^2 ~ H^b with b = -1", &heads_ou},
      {"heads-oscillating", "MDCBS",
       "oscillating weights: G^2 bounded away from 0; b measured against the paper's b ~ 0",
       &heads_oscillating},
      {"stability-initial-data", "MDCBS", "perturbed initial tokens: distance <= delta e^{int L}",
       &stability_initial_data},
      {"causal-collapse", "KPR",
       "causal mask, V = I: token 1 fixed, exact triangularity, every token goes to x_1(0)",
       &causal_collapse},
      {"simuformer-replay", "KGPR",
       "simuformer's post/pre/peri/nGPT updates (causal where published) replayed to 1e-9",
       &simuformer_replay},
      {"alibi-circle", "DGR", "lost in the middle: causal ALiBi on the circle replayed (RK4) to 1e-9",
       &alibi_circle},
      {"sinkhorn-attention", "SABP",
       "Sinkhorn weights = sinkformers; doubly stochastic; symmetric A = V: gradient of -OT/(2 beta)",
       &sinkhorn_attention},
      {"normalization-placements", "KGPR",
       "equiangular particles = the rho-ODE of each placement; collapse e^{-2t}, t^-2, t^-2, e^{-2 alpha t}",
       &normalization_placements},
      {"noise-gibbs", "varsphere",
       "noisy USA pairs on S^1 reach the Gibbs law of their angle (KS test)", &noise_gibbs},
  };
  return table;
}

const Reproduction* find_reproduction(const std::string& id) {
  for (const Reproduction& r : reproductions())
    if (r.id == id) return &r;
  return nullptr;
}

}  // namespace varsphere::reproduce
