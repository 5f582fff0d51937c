// transformer-as-flow (Gracyk's path-optimality loss, docs/inverse.md, docs/math.md §7): how much
// of a real Transformer's layer-to-layer motion is an attention flow on the sphere? The token paths
// of a small ALBERT-like encoder (shared weights, Post-LN, d = 16, 2 heads, MLP; at random
// initialization and trained to reverse sequences, scripts/make_transformer_paths.py) are fitted
// by a constant single-head SA flow with full A and V (512 parameters) through the path-optimality
// loss, with the last quarter of the sequences and of the layers held out. Measured: R² of the
// fitted velocities, and the held-out prediction errors against the best A = βI, V = I flow.
//
// Criteria (stated here, measured below): the fitted flow explains at least half of the training
// velocities (R² ≥ 0.5), predicts the held-out velocities better than zero (R² ≥ 0), and predicts
// the held-out layers and sequences no worse than the identity baseline (ratio of errors ≥ 1).
#include <cmath>
#include <varsphere/solvers/fit_holdout.hpp>

#include "reproduction.hpp"
#include "transformer_reference_data.hpp"

namespace varsphere::reproduce {

std::vector<Row> transformer_as_flow(const Settings& s) {
  const std::string id = "transformer-as-flow", paper = "Gracyk";
  std::vector<Row> rows;
  rows.push_back(at_least(id, paper, "accuracy of the trained encoder on new sequences (stored)", 0.99,
                          transformer_training().second));
  for (const std::string model : {"random", "trained"}) {
    const std::vector<Trajectory> paths = transformer_paths(model);
    AttentionFamily family;
    family.d = paths[0].dimension();
    FitOptions options;
    options.max_iterations = s.quick ? 15 : 100;  // quick: the fit stopped early, same data
    options.threads = 2;
    const FitStudy study = fit_with_holdout(paths, family, options, {0.25, 0.25, false});
    const HoldoutRow& fitted = study.holdout[0];
    const HoldoutRow& identity = study.holdout[1];
    const std::string what = " (" + model + ", " + std::to_string(study.train_paths) + " fitted, " +
                             std::to_string(study.test_paths) + " held out)";
    Row explained = at_least(id, paper, "R^2 of the fitted velocities, SA flow" + what,
                             0.5, study.fit.r_squared);
    // The figure: per layer, the mean observed token speed |V_k| and what the fit leaves, |V_k − F|
    // (the training sequences and layers; θ = 0 gives F = 0, so its mismatch is |V_k| itself).
    std::vector<Trajectory> train;
    for (std::size_t p = 0; p < study.train_paths; ++p) {
      Trajectory t;
      for (std::size_t k = 0; k <= study.fit.step_residuals[p].size(); ++k) t.push_back(paths[p].times[k], paths[p].frames[k]);
      train.push_back(t);
    }
    const VelocityFit observed = velocity_fit(train, family, Eigen::VectorXd::Zero(family.parameter_count()));
    Series series{"layer", "mean |V_k| over the sequences", {}, {}, false, false};
    std::vector<double> left;
    for (Eigen::Index k = 0; k < observed.step_residuals[0].size(); ++k) {
      double speed = 0, mismatch = 0;
      for (std::size_t p = 0; p < train.size(); ++p) {
        speed += observed.step_residuals[p](k) / double(train.size());
        mismatch += study.fit.step_residuals[p](k) / double(train.size());
      }
      series.x.push_back(double(k) + 0.5);
      series.y.push_back(speed);
      left.push_back(mismatch);
    }
    series.curves.push_back({"|V_k - F(M_k)| left by the fitted SA flow", left});
    explained.series = series;
    rows.push_back(explained);
    rows.push_back(at_least(id, paper, "R^2 of the held-out velocities" + what, 0.0, fitted.r_squared));
    rows.push_back(at_least(id, paper, "held-out layers: error of A = beta I, V = I / error of the fit" + what,
                            1.0, identity.layer_error / fitted.layer_error));
    rows.push_back(at_least(id, paper, "held-out sequences: error of A = beta I, V = I / error of the fit" + what,
                            1.0, identity.trajectory_error / fitted.trajectory_error));
  }
  return rows;
}

}  // namespace varsphere::reproduce
