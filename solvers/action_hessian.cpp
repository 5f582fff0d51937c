#include <varsphere/solvers/action_hessian.hpp>

#include <algorithm>
#include <cmath>
#include <vector>
#include <varsphere/core/error.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/discrete_action.hpp>

namespace varsphere {
namespace {

int interior_count(const Trajectory& path) {
  if (path.size() < 3) {
    throw InvalidInput("second variation: the path has no interior node (K >= 2 needed)");
  }
  return static_cast<int>(path.size()) - 2;
}

// The Hessian of one step's L_d with respect to its interior sides (rows/columns: side a's
// coordinates first when a is interior, then side b's), by central differences of the Riemannian
// gradient along geodesics.
bool step_hessian(const StepModel& model, double t_a, double h, const Eigen::MatrixXd& Xa,
                  const Eigen::MatrixXd& Xb, bool a_inner, bool b_inner, double eps,
                  Eigen::MatrixXd& H) {
  const Eigen::Index d = Xa.rows(), n = Xa.cols(), N = n * (d - 1);
  const Eigen::MatrixXd Ba = product::tangent_bases(Xa), Bb = product::tangent_bases(Xb);
  const int sides = int(a_inner) + int(b_inner);
  H.setZero(sides * N, sides * N);
  Eigen::MatrixXd Ya = Xa, Yb = Xb, ga, gb, ga_plus, gb_plus;
  const double c = std::cos(eps), s = std::sin(eps);
  auto riemannian = [&](double sign, Eigen::Index i, bool on_a, Eigen::Index j, Eigen::MatrixXd& GA,
                        Eigen::MatrixXd& GB) {
    Eigen::MatrixXd& Y = on_a ? Ya : Yb;
    const Eigen::MatrixXd& X = on_a ? Xa : Xb;
    const Eigen::MatrixXd& B = on_a ? Ba : Bb;
    Y.col(i) = c * X.col(i) + sign * s * B.col(i * (d - 1) + j);
    const bool ok = model.step_gradients(t_a, h, Ya, Yb, a_inner ? &GA : nullptr,
                                         b_inner ? &GB : nullptr);
    if (ok) {
      if (a_inner) product::tangent_project_in_place(Ya, GA);
      if (b_inner) product::tangent_project_in_place(Yb, GB);
    }
    Y.col(i) = X.col(i);
    return ok;
  };
  Eigen::Index column = 0;
  for (int side = 0; side < 2; ++side) {
    const bool on_a = side == 0;
    if (on_a ? !a_inner : !b_inner) continue;
    for (Eigen::Index i = 0; i < n; ++i) {
      for (Eigen::Index j = 0; j < d - 1; ++j, ++column) {
        if (!riemannian(1.0, i, on_a, j, ga_plus, gb_plus) || !riemannian(-1.0, i, on_a, j, ga, gb)) {
          return false;
        }
        Eigen::Index row = 0;
        if (a_inner) {
          Eigen::MatrixXd D = (ga_plus - ga) / (2 * eps);
          product::tangent_project_in_place(Xa, D);
          product::to_tangent_coordinates(Ba, D, H.col(column).segment(row, N));
          row += N;
        }
        if (b_inner) {
          Eigen::MatrixXd D = (gb_plus - gb) / (2 * eps);
          product::tangent_project_in_place(Xb, D);
          product::to_tangent_coordinates(Bb, D, H.col(column).segment(row, N));
        }
      }
    }
  }
  // The exact Hessian is symmetric; the differences are so up to O(ε²).
  const Eigen::MatrixXd T = H.transpose();
  H = 0.5 * (H + T);
  return true;
}

}  // namespace

Eigen::VectorXd action_gradient(const StepModel& model, const Trajectory& path, int threads) {
  const int inner = interior_count(path);
  const Eigen::Index d = path.frames[0].rows(), n = path.frames[0].cols(), N = n * (d - 1);
  const int K = inner + 1;
  const PathStepGradients steps = path_step_gradients(model, path, threads);
  const std::vector<Eigen::MatrixXd>&outgoing = steps.outgoing, &incoming = steps.incoming;
  Eigen::VectorXd g(inner * N);
  for (int k = 1; k < K; ++k) {
    Eigen::MatrixXd G = incoming[k - 1] + outgoing[k];
    product::tangent_project_in_place(path.frames[k], G);
    product::to_tangent_coordinates(product::tangent_bases(path.frames[k]), G, g.segment((k - 1) * N, N));
  }
  return g;
}

BlockTridiagonalSystem action_hessian(const StepModel& model, const Trajectory& path, int threads,
                                      double angle_step) {
  const int inner = interior_count(path);
  const double h = uniform_spacing(path);
  const Eigen::Index d = path.frames[0].rows(), n = path.frames[0].cols(), N = n * (d - 1);
  const int K = inner + 1;
  BlockTridiagonalSystem H(inner, N);
  bool defined = true;
  // Even steps, then odd ones: no two steps of a pass share a node, so every block is summed in
  // the same order whatever the number of threads.
  for (int parity = 0; parity < 2; ++parity) {
#pragma omp parallel for num_threads(std::max(threads, 1)) schedule(dynamic, 1)
    for (int k = parity; k < K; k += 2) {
      const bool a_inner = k > 0, b_inner = k + 1 < K;
      Eigen::MatrixXd Hs;
      if (!step_hessian(model, path.times[k], h, path.frames[k], path.frames[k + 1], a_inner,
                        b_inner, angle_step, Hs)) {
#pragma omp atomic write
        defined = false;
        continue;
      }
      const Eigen::Index b0 = a_inner ? N : 0;
      if (a_inner) H.diagonal(k - 1) += Hs.topLeftCorner(N, N);
      if (b_inner) H.diagonal(k) += Hs.block(b0, b0, N, N);
      if (a_inner && b_inner) H.coupling(k - 1) += Hs.block(0, N, N, N);
    }
  }
  if (!defined) throw CutLocusError("second variation: a step joins antipodal tokens");
  return H;
}

}  // namespace varsphere
