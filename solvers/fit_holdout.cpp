#include <varsphere/solvers/fit_holdout.hpp>

#include <cmath>
#include <limits>
#include <varsphere/core/error.hpp>

namespace varsphere {
namespace {

Trajectory frames_of(const Trajectory& path, std::size_t first, std::size_t last) {
  Trajectory out;
  for (std::size_t k = first; k <= last; ++k) out.push_back(path.times[k], path.frames[k]);
  return out;
}

}  // namespace

FitStudy fit_with_holdout(const std::vector<Trajectory>& paths, const AttentionFamily& family,
                          const FitOptions& options, const HoldoutSpec& holdout) {
  validate_observed_paths(paths);
  for (double f : {holdout.trajectories, holdout.layers}) {
    if (!(f >= 0 && f < 1)) throw InvalidInput("fit: a hold-out fraction must be in [0, 1)");
  }
  FitStudy study;
  const std::size_t N = paths.size();
  const std::size_t test = static_cast<std::size_t>(std::ceil(holdout.trajectories * double(N) - 1e-9));
  if (test >= N) throw InvalidInput("fit: the hold-out leaves no trajectory to fit");
  study.train_paths = N - test;
  study.test_paths = test;
  // Training frames: all but the held-out layers; the cut frame starts the layer predictions.
  std::vector<Trajectory> train, layer_tests, trajectory_tests;
  std::vector<std::size_t> cuts;
  for (std::size_t p = 0; p < study.train_paths; ++p) {
    const std::size_t last = paths[p].size() - 1;
    const std::size_t cut = holdout.layers > 0
                                ? static_cast<std::size_t>(std::floor((1 - holdout.layers) * double(last) + 1e-9))
                                : last;
    if (cut < 1) throw InvalidInput("fit: trajectory " + std::to_string(p + 1) + " keeps fewer than 2 frames to fit");
    if (holdout.layers > 0 && cut == last) {
      throw InvalidInput("fit: trajectory " + std::to_string(p + 1) + " has no frame to hold out at --holdout-layers " +
                         std::to_string(holdout.layers));
    }
    train.push_back(frames_of(paths[p], 0, cut));
    if (cut < last) layer_tests.push_back(frames_of(paths[p], cut, last));
  }
  for (std::size_t p = study.train_paths; p < N; ++p) trajectory_tests.push_back(paths[p]);
  study.fit = fit_attention(train, family, options);
  if (test == 0 && layer_tests.empty()) return study;

  std::vector<Trajectory> velocity_tests = trajectory_tests;
  velocity_tests.insert(velocity_tests.end(), layer_tests.begin(), layer_tests.end());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto row = [&](const std::string& name, const AttentionFit& fit) {
    HoldoutRow r;
    r.model = name;
    r.parameters = static_cast<long>(fit.family.parameter_count());
    r.train_cost = fit.cost;
    r.trajectory_error = trajectory_tests.empty() ? nan : prediction_error(trajectory_tests, fit.family, fit.theta, options.max_step);
    r.layer_error = layer_tests.empty() ? nan : prediction_error(layer_tests, fit.family, fit.theta, options.max_step);
    r.r_squared = velocity_fit(velocity_tests, fit.family, fit.theta).r_squared;
    return r;
  };
  study.holdout.push_back(row("fitted", study.fit));
  FitOptions baseline_options = options;
  baseline_options.initial.reset();
  AttentionFamily identity;
  identity.d = family.d;
  identity.normalization = family.normalization;
  identity.bias = family.bias;
  identity.score = ScoreFamily::Scalar;
  identity.value = ValueFamily::Identity;
  study.holdout.push_back(row("identity", fit_attention(train, identity, baseline_options)));
  if (holdout.usa_baseline && family.normalization == AttentionNormalization::Softmax) {
    AttentionFamily usa = family;
    usa.normalization = AttentionNormalization::Unnormalized;
    study.holdout.push_back(row("usa", fit_attention(train, usa, baseline_options)));
  }
  return study;
}

}  // namespace varsphere
