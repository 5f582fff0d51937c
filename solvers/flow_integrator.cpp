#include <varsphere/solvers/flow_integrator.hpp>

namespace varsphere {

FlowScheme parse_flow_scheme(const std::string& name) {
  if (name == "rk4") return FlowScheme::RK4;
  if (name == "dopri5") return FlowScheme::Dopri5;
  if (name == "geodesic-euler") return FlowScheme::GeodesicEuler;
  if (name == "euler-renormalize") return FlowScheme::EulerRenormalize;
  throw InvalidInput("unknown scheme '" + name +
                     "' (rk4, dopri5, geodesic-euler, euler-renormalize)");
}

std::string to_string(FlowScheme scheme) {
  switch (scheme) {
    case FlowScheme::RK4:
      return "rk4";
    case FlowScheme::Dopri5:
      return "dopri5";
    case FlowScheme::GeodesicEuler:
      return "geodesic-euler";
    case FlowScheme::EulerRenormalize:
      return "euler-renormalize";
  }
  return "?";
}

}  // namespace varsphere
