// LagrangianStepModel<FlowMatchingLagrangian<NgptField>>, compiled once for the library.
#include <varsphere/solvers/lagrangian_step_model.hpp>

namespace varsphere {

template class LagrangianStepModel<FlowMatchingLagrangian<NgptField>>;

}  // namespace varsphere
