#include <varsphere/solvers/factored_step_jacobian.hpp>

#include <algorithm>
#include <numeric>

namespace varsphere {

bool factor_step_jacobian(double root_h, Eigen::MatrixXd&& JM, const Eigen::MatrixXd& JV,
                          const std::vector<Eigen::MatrixXd>& local, FactoredStepJacobian& J) {
  const auto n = static_cast<Eigen::Index>(local.size());
  const Eigen::Index m = JM.rows(), nd = JM.cols(), d = n > 0 ? nd / n : 0;
  // Token i's rows in JV: the first and last row with a nonzero entry in its column block.
  J.local_row.assign(n, 0);
  J.local_rows.assign(n, 0);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto block = JV.middleCols(i * d, d);
    Eigen::Index first = -1, last = -1;
    for (Eigen::Index r = 0; r < m; ++r) {
      if ((block.row(r).array() != 0.0).any()) {
        if (first < 0) first = r;
        last = r;
      }
    }
    J.local_row[i] = first < 0 ? 0 : first;
    J.local_rows[i] = first < 0 ? 0 : last - first + 1;
  }
  // The ranges must be disjoint (sorted by start, each ends before the next begins).
  std::vector<Eigen::Index> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](Eigen::Index a, Eigen::Index b) { return J.local_row[a] < J.local_row[b]; });
  Eigen::Index end = 0;
  for (Eigen::Index i : order) {
    if (J.local_rows[i] == 0) continue;
    if (J.local_row[i] < end) return false;
    end = J.local_row[i] + J.local_rows[i];
  }
  J.S.swap(JM);
  J.S *= root_h;
  J.Ma.resize(n);
  J.Mb.resize(n);
  J.Ea.resize(n);
  J.Eb.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    J.Ma[i] = local[i].block(0, 0, d, d);
    J.Mb[i] = local[i].block(0, d, d, d);
    const auto block = JV.block(J.local_row[i], i * d, J.local_rows[i], d);
    J.Ea[i] = root_h * block * local[i].block(d, 0, d, d);
    J.Eb[i] = root_h * block * local[i].block(d, d, d, d);
  }
  J.dense_rows.clear();
  J.Za.resize(0, nd);  // (JM is J.S's old storage by now: its shape is not ours)
  J.Zb.resize(0, nd);
  return true;
}

}  // namespace varsphere
