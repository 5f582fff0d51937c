// LagrangianStepModel<DeGiorgiLagrangian>, compiled once for the library (every rule: the rule is a
// run-time value). One file per shipped Lagrangian keeps each translation unit small.
#include <varsphere/solvers/lagrangian_step_model.hpp>

namespace varsphere {

template class LagrangianStepModel<DeGiorgiLagrangian>;

}  // namespace varsphere
