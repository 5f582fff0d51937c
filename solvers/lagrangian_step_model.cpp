// The shipped Lagrangians' step models, compiled once (every rule: the rule is a run-time value).
#include <varsphere/solvers/lagrangian_step_model.hpp>

namespace varsphere {

template class LagrangianStepModel<KineticLagrangian>;
template class LagrangianStepModel<DeGiorgiLagrangian>;
template class LagrangianStepModel<FlowMatchingLagrangian<AttentionField>>;

}  // namespace varsphere
