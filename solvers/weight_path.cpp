#include <varsphere/solvers/weight_path.hpp>

namespace varsphere {

WeightPath::WeightPath(const WeightProcess& process, std::vector<Eigen::MatrixXd> D0, double t0,
                       double t1, double h) {
  if (process.sigma != 0) throw InvalidInput("weight path: only deterministic weights (sigma = 0)");
  if (!process.drift) throw InvalidInput("weight path: the process needs a drift");
  if (D0.empty()) throw InvalidInput("weight path: need at least one head");
  check_heads(D0, D0.front().rows());
  if (!(t1 >= t0) || !(h > 0) || !std::isfinite(t1 - t0) || !std::isfinite(h)) {
    throw InvalidInput("weight path: need t1 >= t0 and a positive step");
  }
  auto data = std::make_shared<Data>();
  const auto steps = std::max<long>(1, static_cast<long>(std::ceil((t1 - t0) / h - 1e-9)));
  data->t0 = t0;
  data->h = (t1 - t0) / double(steps);
  data->heads = static_cast<int>(D0.size());
  const Eigen::Index d = D0.front().rows();
  // The heads side by side, d × (d·H), so that an RK stage is one matrix.
  Eigen::MatrixXd D(d, d * data->heads);
  for (int k = 0; k < data->heads; ++k) D.middleCols(k * d, d) = D0[k];
  auto rate = [&](const Eigen::MatrixXd& state, double t) {
    Eigen::MatrixXd r(d, state.cols());
    for (int k = 0; k < data->heads; ++k)
      r.middleCols(k * d, d) = process.drift(k, state.middleCols(k * d, d), t);
    return r;
  };
  for (long s = 0; s <= steps; ++s) {
    const double t = t0 + double(s) * data->h, dt = data->h;
    data->nodes.push_back(D);
    data->rates.push_back(rate(D, t));
    if (s == steps) break;
    const Eigen::MatrixXd& k1 = data->rates.back();
    const Eigen::MatrixXd k2 = rate(D + dt / 2 * k1, t + dt / 2);
    const Eigen::MatrixXd k3 = rate(D + dt / 2 * k2, t + dt / 2);
    const Eigen::MatrixXd k4 = rate(D + dt * k3, t + dt);
    D += dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  data_ = std::move(data);
}

HeadSchedule WeightPath::schedule() const {
  return [path = *this](double t) { return multihead_attention_heads(path.weights(t)); };
}

std::vector<Eigen::MatrixXd> WeightPath::evaluate(double t, bool derivative) const {
  const Data& d = *data_;
  const Eigen::Index n = d.nodes.front().rows();
  Eigen::MatrixXd all;
  if (d.nodes.size() == 1) {
    all = derivative ? d.rates[0] : d.nodes[0];
  } else {
    const double last = double(d.nodes.size() - 1);
    const double u = std::clamp((t - d.t0) / d.h, 0.0, last);
    const auto s = static_cast<std::size_t>(std::min(std::floor(u), last - 1));
    const double x = u - double(s), h = d.h;
    const Eigen::MatrixXd &p0 = d.nodes[s], &p1 = d.nodes[s + 1], &m0 = d.rates[s],
                          &m1 = d.rates[s + 1];
    // Cubic Hermite basis on [0, 1] (values, or derivatives divided by h).
    if (derivative) {
      all = ((6 * x * x - 6 * x) * p0 + (-6 * x * x + 6 * x) * p1) / h +
            (3 * x * x - 4 * x + 1) * m0 + (3 * x * x - 2 * x) * m1;
    } else {
      all = (2 * x * x * x - 3 * x * x + 1) * p0 + (x * x * x - 2 * x * x + x) * h * m0 +
            (-2 * x * x * x + 3 * x * x) * p1 + (x * x * x - x * x) * h * m1;
    }
  }
  std::vector<Eigen::MatrixXd> out(d.heads);
  for (int k = 0; k < d.heads; ++k) out[k] = all.middleCols(k * n, n);
  return out;
}

}  // namespace varsphere
