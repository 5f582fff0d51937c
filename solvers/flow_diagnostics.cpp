#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/solvers/flow_diagnostics.hpp>

namespace varsphere {

std::vector<FrameDiagnostics> diagnose(const Trajectory& trajectory, const Eigen::MatrixXd& A,
                                       double beta, double threshold) {
  std::vector<FrameDiagnostics> rows;
  rows.reserve(trajectory.size());
  for (std::size_t k = 0; k < trajectory.size(); ++k) {
    const Eigen::MatrixXd& X = trajectory.frames[k];
    rows.push_back({trajectory.times[k], attention_energy(X, A, beta), count_clusters(X, threshold),
                    min_pairwise_inner_product(X)});
  }
  return rows;
}

std::vector<double> merge_times(const std::vector<FrameDiagnostics>& rows) {
  std::vector<double> times;
  if (rows.empty()) return times;
  int current = rows.front().clusters;
  for (const auto& r : rows) {
    for (; current > r.clusters; --current) times.push_back(r.t);
  }
  return times;
}

}  // namespace varsphere
