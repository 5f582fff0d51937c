#include <varsphere/solvers/continuation.hpp>

#include <varsphere/core/error.hpp>
#include <varsphere/manifolds/product.hpp>

namespace varsphere {

std::string to_string(ContinuationPredictor predictor) {
  return predictor == ContinuationPredictor::Sensitivity ? "sensitivity" : "warm-start";
}

ContinuationPredictor parse_continuation_predictor(const std::string& name) {
  if (name == "sensitivity") return ContinuationPredictor::Sensitivity;
  if (name == "warm-start") return ContinuationPredictor::WarmStart;
  throw InvalidInput("predictor '" + name + "' (warm-start, sensitivity)");
}

std::vector<BvpResult> continuation(const ActionFamily& family, const std::vector<double>& values,
                                    const Configuration& X_start, const Configuration& X_end,
                                    int K, BvpOptions options, ContinuationPredictor predictor) {
  if (values.empty()) throw InvalidInput("continuation: no parameter value");
  std::vector<BvpResult> results;
  for (std::size_t j = 0; j < values.size(); ++j) {
    const ParametrizedAction problem = family(values[j]);
    results.push_back(solve_bvp(*problem.model, X_start, X_end, problem.T, K, options));
    Trajectory next = results.back().path;
    if (predictor == ContinuationPredictor::Sensitivity && j + 1 < values.size() && K >= 2 &&
        results.back().converged) {
      try {
        const auto dX = path_sensitivity(family, values[j], next, SensitivityOptions{1e-4, options.threads});
        const double step = values[j + 1] - values[j];
        for (std::size_t k = 1; k + 1 < next.size(); ++k) {
          next.frames[k] = product::exp(next.frames[k], step * dX[k]);
        }
      } catch (const Error&) {
        next = results.back().path;  // a singular Hessian: no unique tangent, warm start
      }
    }
    // The next problem's grid (its horizon may differ): the nodes k = 0..K are kept.
    const double T_next = j + 1 < values.size() ? family(values[j + 1]).T : problem.T;
    for (int k = 0; k <= K; ++k) next.times[k] = next.times.front() + T_next * double(k) / double(K);
    options.initial_path = std::move(next);
  }
  return results;
}

}  // namespace varsphere
