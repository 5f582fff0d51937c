// The direction of an optimization or a flow: towards maxima (ascent) or minima (descent).
#pragma once

namespace varsphere {

enum class Extremum { Ascent, Descent };

/// +1 for ascent, −1 for descent: the sign of the velocity along the gradient.
constexpr double ascent_sign(Extremum direction) {
  return direction == Extremum::Ascent ? 1.0 : -1.0;
}

}  // namespace varsphere
