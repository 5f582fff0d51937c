#include <varsphere/core/version.hpp>

namespace varsphere {

const char* version() { return VARSPHERE_VERSION; }

}  // namespace varsphere
