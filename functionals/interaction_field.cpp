#include <varsphere/functionals/interaction_field.hpp>

namespace varsphere {

AttentionField interaction_field(const InteractionEnergy& energy, Extremum direction,
                                 Mobility mobility) {
  const Eigen::MatrixXd& D = energy.D();
  return AttentionField(D.rows(), {{D, D}},
                        {.normalization = mobility == Mobility::Unit
                                              ? AttentionNormalization::Unnormalized
                                              : AttentionNormalization::Softmax,
                         .beta = 1.0,
                         .sign = ascent_sign(direction)});
}

}  // namespace varsphere
