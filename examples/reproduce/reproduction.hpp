// The reproduced theorems and experiments (`varsphere reproduce`, docs/math.md §2–§6). Each ID is
// one function returning table rows: what was measured, what the paper says, the tolerance and the
// verdict. The one table of IDs is reproductions() in reproduction.cpp.
// Statistical rows say their sample size and use a 3σ tolerance derived from it.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace varsphere::reproduce {

struct Settings {
  bool quick = false;  ///< smaller grids and samples: every ID in well under a minute in total
};

/// Data behind a row, for the convergence plots (scripts/plot_results.py).
struct Series {
  std::string x_label, y_label;
  std::vector<double> x, y;
  bool log_x = true, log_y = true;
  /// Further named curves over the same x (drawn with y, labelled by name).
  std::vector<std::pair<std::string, std::vector<double>>> curves = {};
};

enum class Relation {
  Within,   ///< |measured − expected| ≤ tolerance
  AtLeast,  ///< measured ≥ expected (tolerance 0)
};

struct Row {
  std::string id, paper, quantity;
  double expected = 0, measured = 0, tolerance = 0;
  Relation relation = Relation::Within;
  bool pass = false;
  std::optional<Series> series;
};

/// |measured − expected| ≤ tolerance (NaN fails).
Row within(const std::string& id, const std::string& paper, const std::string& quantity,
           double expected, double measured, double tolerance);
/// measured ≥ bound (NaN fails).
Row at_least(const std::string& id, const std::string& paper, const std::string& quantity,
             double bound, double measured);

struct Reproduction {
  std::string id, paper, claim;
  std::vector<Row> (*run)(const Settings&);
};

/// Every ID, grouped by paper (the one list of IDs; `varsphere reproduce --list` prints it).
const std::vector<Reproduction>& reproductions();
/// nullptr if unknown.
const Reproduction* find_reproduction(const std::string& id);

std::vector<Row> geodesic_bvp(const Settings&);
std::vector<Row> transformer_as_flow(const Settings&);
std::vector<Row> flow_is_variational_usa(const Settings&);
std::vector<Row> flow_is_variational_sa(const Settings&);
std::vector<Row> flow_matching_general(const Settings&);
std::vector<Row> null_lagrangian(const Settings&);
std::vector<Row> checkel_flow(const Settings&);
std::vector<Row> inexact_epsilon(const Settings&);
std::vector<Row> clustering_d3(const Settings&);
std::vector<Row> antipodal_stationary(const Settings&);
std::vector<Row> equiangular(const Settings&);
std::vector<Row> wendel_hemisphere(const Settings&);
std::vector<Row> metastability_dotm(const Settings&);
std::vector<Row> long_context(const Settings&);
std::vector<Row> pre_vs_post_ln(const Settings&);
std::vector<Row> extremizers_psd(const Settings&);
std::vector<Row> extremizers_nsd(const Settings&);
std::vector<Row> uniform_minimizer(const Settings&);
std::vector<Row> singular_psd(const Settings&);
std::vector<Row> four_particles(const Settings&);
std::vector<Row> crossover(const Settings&);
std::vector<Row> density_s1(const Settings&);
std::vector<Row> two_clusters(const Settings&);
std::vector<Row> phase_diagram(const Settings&);
std::vector<Row> causal_collapse(const Settings&);
std::vector<Row> simuformer_replay(const Settings&);
std::vector<Row> alibi_circle(const Settings&);
std::vector<Row> sinkhorn_attention(const Settings&);
std::vector<Row> noise_gibbs(const Settings&);
std::vector<Row> normalization_placements(const Settings&);
std::vector<Row> hessian_classification(const Settings&);
std::vector<Row> splitting_equals_encoder(const Settings&);
std::vector<Row> layernorm_projection(const Settings&);
std::vector<Row> continuum_refinement(const Settings&);
std::vector<Row> ln_sphere(const Settings&);
std::vector<Row> edi_exact(const Settings&);
std::vector<Row> edi_paper_slope(const Settings&);
std::vector<Row> heads_ou(const Settings&);
std::vector<Row> heads_oscillating(const Settings&);
std::vector<Row> stability_initial_data(const Settings&);

}  // namespace varsphere::reproduce
