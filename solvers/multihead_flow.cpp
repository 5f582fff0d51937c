#include <varsphere/solvers/multihead_flow.hpp>

namespace varsphere {

void EnergyLedger::append(double time, double e, double slope, const LedgerTotals& s) {
  t.push_back(time);
  energy.push_back(e);
  power.push_back(s.power);
  explicit_time.push_back(s.explicit_time);
  martingale.push_back(s.martingale);
  second_order.push_back(s.second_order);
  ito_expected.push_back(s.ito_expected);
  paper.push_back(s.paper);
  metric_slope.push_back(slope);
  residual.push_back(e - energy.front() -
                     (s.power + s.explicit_time + s.martingale + s.second_order));
}

EnergyLedger ledger_along(const Trajectory& path, const WeightPath& weights, double sign) {
  if (path.empty()) throw InvalidInput("ledger: empty trajectory");
  EnergyLedger L;
  LedgerTotals sum;
  double last_power = 0, last_explicit = 0, last_slope = 0;
  for (std::size_t k = 0; k < path.size(); ++k) {
    const double t = path.times[k];
    const std::vector<Eigen::MatrixXd> D = weights.weights(t), rate = weights.rates(t);
    const MultiHeadEvaluation ev = evaluate_multihead(path.frames[k], D, sign);
    const double p = (ev.gradient.array() * ev.velocity.array()).sum();
    double x = 0;
    for (std::size_t h = 0; h < D.size(); ++h)
      x += (ev.weight_gradient[h].array() * rate[h].array()).sum();
    if (k > 0) {
      const double dt = t - path.times[k - 1];
      sum.power += 0.5 * dt * (p + last_power);
      sum.explicit_time += 0.5 * dt * (x + last_explicit);
      sum.paper += 0.5 * dt * (ev.metric_slope + last_slope);
    }
    last_power = p, last_explicit = x, last_slope = ev.metric_slope;
    L.append(t, ev.energy, ev.metric_slope, sum);
  }
  return L;
}

}  // namespace varsphere
