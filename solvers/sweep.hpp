// Studies of many flows (docs/sweeps.md): a grid over the flags of `flow`, several seeds per grid
// point, random initial conditions and weights, and observables on a common time grid.
//
//   SweepSpec spec = read_sweep_spec("study.json");
//   SweepRun run = run_sweep_point(spec, r);   // a pure function of (spec, r)
//
// Run r is grid point g = r / seeds with seed index s = r % seeds; its initial condition and its
// weights are drawn from seeds derived from (spec.seed, g, s) by SplitMix64, so a run's result
// depends only on the spec and its index — never on which worker, thread or rank computed it, or
// when. Each run integrates with one thread (the parallelism is across runs).
//
// The spec is JSON (docs/sweeps.md has every key):
//   { "grid": {"beta": [0.5, 1, 2], "n": [32]}, "seeds": 16, "seed": 1,
//     "flow": {"model": "sa", "d": 3, "T": 30, "dt": 0.1, "scheme": "rk4"},
//     "init": {"kind": "uniform"}, "weights": {"A": "identity", "V": "identity", "per": "run"},
//     "observe": {"frames": 31, "pair_threshold": 0.999, "final": false} }
// Every "flow"/"init"/"weights" key may instead be a list in "grid" (an axis).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <varsphere/core/h5_table.hpp>
#include <vector>

namespace varsphere {

/// All settings of one grid point (the flags of `flow` plus how runs are drawn).
struct SweepParameters {
  /// sa | usa: attention flows with fixed weights A, V; multihead: MDCBS's tokens and H heads
  /// D_h (starting at the identity) moving together (solvers/multihead_flow.hpp), with the
  /// weight process below, the normalized explicit step of size dt, and the dissipation 𝒢²
  /// recorded as the observable metric_slope.
  std::string model = "sa";
  int heads = 1;                                 ///< multihead: H
  std::string weight_process = "frozen";         ///< multihead: frozen | ornstein-uhlenbeck
  double weight_sigma = 1.4142135623730951;      ///< multihead: σ of the OU weights (√2)
  /// multihead: seed of the weight noise of seed index s is process_seed + s when > 0 (to replay a
  /// script), else derived like the other seeds.
  double process_seed = 0;
  double beta = 1.0;
  int n = 32;
  int d = 3;
  double T = 10.0;
  double dt = 0.1;
  std::string scheme = "rk4";  ///< rk4 | dopri5 | geodesic-euler | euler-renormalize
  double rtol = 1e-8, atol = 1e-10;
  std::string norm = "post";  ///< post | pre | peri | ngpt
  double ngpt_alpha = 0.2;
  std::string mask = "none";  ///< none | causal | strict-causal
  double alibi = 0.0;
  std::string sign = "ascent";
  /// Initial condition: uniform on the sphere; a cap of polar angle `cap_angle` (radians) around
  /// e_1 (uniform in the cap); equiangular with ⟨x_i, x_j⟩ = rho, randomly rotated; clustered
  /// (MDCBS's starts, clustered_start); a CSV file.
  std::string init = "uniform";
  double cap_angle = 0.5;
  double rho = 0.5;
  std::string init_file;
  /// Weights A (scores) and V (values): identity; gaussian G₁G₂/√d; goe (G + Gᵀ)/√(2d);
  /// wishart GGᵀ/√d; signed-normalized ±G/‖G‖₂ (a random sign); anisotropic
  /// diag(1, …, 1, delta) (BKKRW's D = diag(1, δ) on the circle); file (A_file / V_file);
  /// V also "tied" (V = A).
  std::string A = "identity", V = "identity";
  std::string A_file, V_file;
  double delta = 1.0;
  std::string weights_per = "run";  ///< run | point: drawn for every run or once per grid point
};

using SweepValue = std::variant<double, std::string>;

struct SweepAxis {
  std::string name;
  std::vector<SweepValue> values;
};

struct SweepSpec {
  std::string canonical;  ///< the spec as canonical JSON (sorted keys): its identity
  std::uint64_t hash = 0; ///< FNV-1a of `canonical`
  std::vector<SweepAxis> axes;
  SweepParameters base;
  int seeds = 1;
  std::uint64_t seed = 1;
  /// How run seeds come from `seed`: "hash" (SplitMix64 of seed, grid index, seed index and
  /// purpose: independent streams, the default) or "offset" (initial condition from seed + seed
  /// index, weights from seed + seed index + 2³², for every grid point: to replay a script that
  /// seeded its runs 1000, 1001, …).
  std::string seed_derivation = "hash";
  std::vector<double> times;  ///< observation times, if given explicitly
  int frames = 11;            ///< else: `frames` equally spaced times in [0, T]
  double pair_threshold = 0.999;
  double cluster_threshold = 0.999;
  bool final_configurations = false;

  int grid_size() const;
  std::int64_t run_count() const { return static_cast<std::int64_t>(grid_size()) * seeds; }
  /// Index of each axis' value at grid point g (the last axis varies fastest).
  std::vector<int> grid_coordinates(int g) const;
  SweepParameters point(int g) const;
  std::vector<double> observation_times(const SweepParameters& p) const;
  /// The largest n and d over the grid (rows of the output are padded to them).
  int max_tokens() const;
  int max_dimension() const;
  /// True when some grid point is a multihead run (the file then has metric_slope).
  bool has_multihead() const;
};

/// Parses and checks a spec; relative file names are taken from `base_dir`. Throws InvalidInput
/// naming the key for an unknown key, a wrong type or an impossible value (every grid point is
/// checked), IoError for a missing file (`check_files` false: files are not opened, as when the
/// spec is read back from a results file on another machine).
SweepSpec parse_sweep_spec(const std::string& json_text, const std::filesystem::path& base_dir,
                           bool check_files = true);
SweepSpec read_sweep_spec(const std::filesystem::path& path);

/// The result of one run; observables at spec.observation_times(point).
struct SweepRun {
  std::int64_t index = 0;
  int grid = 0;
  int seed_index = 0;
  std::vector<double> pair_fraction;      ///< fraction of pairs i < j with ⟨x_i, x_j⟩ > threshold
  std::vector<double> clusters;           ///< connected components at cluster_threshold
  std::vector<double> energy;             ///< E_β with the run's A (§2.3); multihead: ℰ (§6)
  std::vector<double> min_inner_product;  ///< min_{i<j} ⟨x_i, x_j⟩
  std::vector<double> metric_slope;       ///< multihead only: the dissipation 𝒢²
  /// First observation time at which the cluster count is ≤ k, for k = 1..n−1 (NaN: never).
  std::vector<double> merge_times;
  Eigen::MatrixXd final_state;  ///< d×n, only with final_configurations
};

/// The random inputs of run `index`: its initial configuration (d×n) and its weights.
struct SweepDraw {
  Eigen::MatrixXd X0, A, V;
};
SweepDraw draw_sweep_run(const SweepSpec& spec, std::int64_t index);

/// Runs run `index` of the spec (0 ≤ index < run_count()).
SweepRun run_sweep_point(const SweepSpec& spec, std::int64_t index);

/// The runs of a sweep, sorted by index, and what is derived from them.
struct SweepResults {
  SweepSpec spec;
  std::vector<SweepRun> runs;
};

/// The results as the datasets and attributes of their file (write_sweep_results; Python
/// returns the same as a dict of arrays).
H5Table sweep_results_table(const SweepResults& results, const std::string& command_line = {},
                            int task = -1, int of = 0);

/// Writes runs (one row each: grid index, seed index, observables, merge times, optionally final
/// states padded with NaN) and, when every run of the spec is present, the summary per grid
/// point (mean, standard error, 10/50/90% quantiles of each observable at each time), the grid
/// values and the spec, version and command line as attributes. Atomic.
void write_sweep_results(const std::filesystem::path& path, const SweepResults& results,
                         const std::string& command_line = {}, int task = -1, int of = 0);

/// Reads a file written by write_sweep_results (the spec from its attribute).
SweepResults read_sweep_results(const std::filesystem::path& path);

/// Merges results of the same spec (parts of a job array): rows sorted, duplicates must be equal.
/// Throws InvalidInput if the specs differ or two rows of one run differ.
SweepResults merge_sweep_results(std::vector<SweepResults> parts);

/// Finished runs kept as one small file each in a folder (written atomically), so that a killed
/// sweep resumes without repeating or losing a run. The folder remembers the spec and refuses
/// another's.
class SweepJournal {
 public:
  /// Opens or creates `folder` for `spec`. Throws InvalidInput if it holds another spec's runs.
  SweepJournal(std::filesystem::path folder, const SweepSpec& spec);
  const std::filesystem::path& folder() const { return folder_; }
  /// Indices of the runs already in the journal (unreadable files are dropped).
  std::vector<std::int64_t> finished() const;
  void write(const SweepRun& run) const;
  SweepRun read(std::int64_t index) const;
  /// Removes the folder and its files.
  void remove() const;

 private:
  std::filesystem::path folder_;
  const SweepSpec* spec_;
};

struct SweepOptions {
  int jobs = 0;        ///< worker threads (0: all cores)
  int task = 0;        ///< this share of a job array: runs r with r % of == task
  int of = 1;
  /// Called (under a lock) after every finished run with (done, total) of this process' share.
  std::function<void(std::int64_t, std::int64_t)> on_progress;
  /// Where finished runs are kept (empty: in memory only, nothing resumes).
  std::filesystem::path journal;
};

/// The runs of this share (task/of) not yet in the journal, in increasing order.
std::vector<std::int64_t> pending_runs(const SweepSpec& spec, const SweepOptions& options);

/// Runs `next()` until it returns −1, on `jobs` threads; every finished run goes to `finished`
/// (called under a lock). `next` is called under the same lock. Exceptions of a run are rethrown
/// after the workers stop (a run failing stops the sweep: its inputs are wrong).
void run_sweep_work(const SweepSpec& spec, int jobs, const std::function<std::int64_t()>& next,
                    const std::function<void(SweepRun&&)>& finished);

/// The whole share on this machine: pending runs in parallel, each journaled when done, then all
/// runs of the share (journal and new) returned sorted.
SweepResults run_sweep(const SweepSpec& spec, const SweepOptions& options);

}  // namespace varsphere
