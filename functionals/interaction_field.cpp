#include <varsphere/functionals/interaction_field.hpp>

namespace varsphere {

AttentionField interaction_field(const InteractionEnergy& energy, Extremum direction,
                                 Mobility mobility) {
  const Eigen::MatrixXd& D = energy.D();
  return AttentionField(D.rows(), {{D, D}},
                        {mobility == Mobility::Unit ? AttentionNormalization::Unnormalized
                                                    : AttentionNormalization::Softmax,
                         1.0, ascent_sign(direction)});
}

}  // namespace varsphere
