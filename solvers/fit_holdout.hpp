// Held-out evaluation of a fitted attention flow against baselines (docs/math.md §7.4): a fraction
// of the trajectories (the last ones) and/or of the layers (the last frames of every trajectory)
// is kept out of the fit; the fitted flow then predicts them — held-out trajectories from their
// first frame, held-out layers from the last frame that was fitted — and so do two baselines
// fitted to the same data with the same loss:
//   * "identity": A = β·I, V = I at the best β (one number; GLPR's SA or USA model),
//   * "usa": the same family with unnormalized attention (for an SA family).
// The prediction error is the RMS over predicted frames of the per-token RMS geodesic distance;
// R² is that of the held-out velocities (attention_fit.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>
#include <varsphere/solvers/attention_fit.hpp>

namespace varsphere {

struct HoldoutSpec {
  double trajectories = 0;  ///< fraction of the trajectories held out (the last ones), [0, 1)
  double layers = 0;        ///< fraction of the frames of each trajectory held out (the last), [0, 1)
  bool usa_baseline = true; ///< fit the USA baseline too (an SA family only; as costly as the fit)
};

struct HoldoutRow {
  std::string model;            ///< "fitted", "identity", "usa"
  long parameters = 0;
  double train_cost = 0;        ///< the fitted loss on the training data
  double trajectory_error = 0;  ///< held-out trajectories (NaN if none)
  double layer_error = 0;       ///< held-out layers (NaN if none)
  double r_squared = 0;         ///< velocities of the held-out data explained
};

struct FitStudy {
  AttentionFit fit;
  std::vector<HoldoutRow> holdout;  ///< empty without a hold-out
  std::size_t train_paths = 0, test_paths = 0;
};

/// Throws InvalidInput for fractions outside [0, 1), no trajectory left to fit, or a trajectory
/// left with fewer than 2 frames to fit or none to predict.
FitStudy fit_with_holdout(const std::vector<Trajectory>& paths, const AttentionFamily& family,
                          const FitOptions& options, const HoldoutSpec& holdout = {});

}  // namespace varsphere
