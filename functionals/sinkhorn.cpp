#include <varsphere/functionals/sinkhorn.hpp>

#include <string>
#include <varsphere/core/error.hpp>

namespace varsphere {

void check_sinkhorn_options(const SinkhornOptions& o) {
  if (o.max_iterations < 1) throw InvalidInput("sinkhorn attention: at least one iteration is needed");
  if (!(o.tolerance >= 0)) throw InvalidInput("sinkhorn attention: the tolerance must be >= 0");
  if (!std::isnan(o.log_marginal) && !std::isfinite(o.log_marginal)) {
    throw InvalidInput("sinkhorn attention: log_marginal must be finite");
  }
}

}  // namespace varsphere
