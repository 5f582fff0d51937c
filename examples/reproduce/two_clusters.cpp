// Ascent of E_D from random data on S¹ with D = diag(1, δ) (BKKRW, docs/math.md §4): the paper's
// normalized-step scheme x_i ← normalize(x_i + τ (1/n) Σ_j e_ij D x_j) with n = 100 tokens.
// Near δ = 1 (nearly isotropic) the tokens merge into one cluster before the anisotropy can
// split them; otherwise they settle as two clusters at ± the top eigenvector. The authors report a
// single cluster for δ in 0.79..1.18; the band here is the set of grid values of δ where every
// sample ends in one cluster.
#include <sstream>
#include <varsphere/core/error.hpp>
#include <varsphere/solvers/sweep.hpp>

#include "reproduction.hpp"

namespace varsphere::reproduce {

std::vector<Row> two_clusters(const Settings& s) {
  const std::string id = "two-clusters", paper = "BKKRW";
  const int n = 100, samples = s.quick ? 3 : 20;
  const double tau = 0.1, T = 100;
  const std::vector<double> deltas =
      s.quick ? std::vector<double>{0, 0.5, 0.75, 0.8, 1.0, 1.15, 1.2, 1.5} : [] {
        std::vector<double> grid;
        for (int k = 0; k <= 30; ++k) grid.push_back(0.05 * k);
        return grid;
      }();
  // As a sweep (docs/sweeps.md): the unit-mobility ascent of E_D is USA attention with
  // A = V = D and β = 1 (functionals/interaction_field.hpp), D = diag(1, δ) is the "anisotropic"
  // weight, and the runs are seeded 1000, 1001, ... ("offset"), as this reproduction always was.
  std::ostringstream spec;
  spec.precision(17);
  spec << R"({"grid": {"delta": [)";
  for (std::size_t k = 0; k < deltas.size(); ++k) spec << (k ? ", " : "") << deltas[k];
  spec << R"(]}, "seeds": )" << samples << R"(, "seed": 1000, "seed_derivation": "offset",
    "flow": {"model": "usa", "beta": 1, "n": )" << n << R"(, "d": 2, "T": )" << T
       << R"(, "dt": )" << tau << R"(, "scheme": "euler-renormalize"},
    "weights": {"A": "anisotropic", "V": "tied", "per": "point"}, "observe": {"frames": 2}})";
  const SweepResults results = run_sweep(parse_sweep_spec(spec.str(), "."), {});
  std::vector<int> ones(deltas.size(), 0);
  int one_or_two = 0, total = 0;
  for (const SweepRun& run : results.runs) {
    const double c = run.clusters.back();
    ones[run.grid] += c == 1;
    one_or_two += c == 1 || c == 2;
    ++total;
  }
  std::vector<double> single(deltas.size());
  for (std::size_t k = 0; k < deltas.size(); ++k) single[k] = double(ones[k]) / samples;
  auto frequency_at = [&](double delta) {
    for (std::size_t k = 0; k < deltas.size(); ++k)
      if (std::abs(deltas[k] - delta) < 1e-12) return single[k];
    throw Error("two-clusters: delta not on the grid");
  };
  // The band of δ around 1 where every sample ended in one cluster.
  std::size_t lo = 0, hi = 0;
  for (std::size_t k = 0; k < deltas.size(); ++k)
    if (std::abs(deltas[k] - 1.0) < 1e-12) lo = hi = k;
  while (lo > 0 && single[lo - 1] == 1.0) --lo;
  while (hi + 1 < deltas.size() && single[hi + 1] == 1.0) ++hi;

  const std::string size =
      std::to_string(samples) + " seeds per delta, n = 100, normalized steps tau = 0.1 to T = 100";
  std::vector<Row> rows;
  Row curve =
      within(id, paper, "single clusters at delta = 1 (" + size + ")", 1.0, frequency_at(1.0), 0.0);
  curve.series =
      Series{"delta", "fraction of runs ending in one cluster", deltas, single, false, false};
  rows.push_back(curve);
  rows.push_back(within(id, paper,
                        "runs ending in one or two clusters (of " + std::to_string(total) + ")",
                        1.0, double(one_or_two) / total, 0.0));
  for (double delta : {0.0, 0.5, 1.5}) {
    std::ostringstream q;
    q << "delta = " << delta << ": fraction of two-cluster runs";
    rows.push_back(within(id, paper, q.str(), 1.0, 1.0 - frequency_at(delta), 0.0));
  }
  rows.push_back(within(id, paper, "lower end of the single-cluster band (authors: 0.79)", 0.79,
                        deltas[lo], 0.05));
  rows.push_back(within(id, paper, "upper end of the single-cluster band (authors: 1.18)", 1.18,
                        deltas[hi], 0.05));
  return rows;
}

}  // namespace varsphere::reproduce
