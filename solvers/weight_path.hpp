// Deterministic head weights solved once (docs/math.md §6, σ = 0): D_h(t) on [t0, t1] by classical
// RK4 with step h on Ḋ_h = f_h(D_h, t), kept at the nodes with their rates, and cubic Hermite
// interpolation in between (fourth order, C¹). The weights do not depend on the tokens, so the
// token flow is an ordinary time-dependent multi-head attention field and every scheme of
// `integrate` (rk4, dopri5, …) applies:
//     AttentionField field(d, path.schedule(), {AttentionNormalization::Softmax, 1.0, sign});
// (heads A_h = D_h(t), V_h = D_h(t)/H: the velocity of functionals/multihead_energy.hpp).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <memory>
#include <varsphere/core/error.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/functionals/multihead_energy.hpp>
#include <varsphere/functionals/weight_process.hpp>
#include <vector>

namespace varsphere {

class WeightPath {
 public:
  WeightPath(const WeightProcess& process, std::vector<Eigen::MatrixXd> D0, double t0, double t1,
             double h);

  int heads() const { return data_->heads; }

  /// D_h(t), every head (Hermite interpolation; t is clamped to [t0, t1]).
  std::vector<Eigen::MatrixXd> weights(double t) const { return evaluate(t, false); }
  /// Ḋ_h(t), every head (the derivative of the interpolant).
  std::vector<Eigen::MatrixXd> rates(double t) const { return evaluate(t, true); }

  /// The heads A_h = D_h(t), V_h = D_h(t)/H of the multi-head token velocity.
  HeadSchedule schedule() const;

 private:
  struct Data {
    double t0 = 0, h = 1;
    int heads = 1;
    std::vector<Eigen::MatrixXd> nodes, rates;  ///< d × (d·H) each: the heads side by side
  };
  std::shared_ptr<const Data> data_;

  std::vector<Eigen::MatrixXd> evaluate(double t, bool derivative) const;
};

}  // namespace varsphere
