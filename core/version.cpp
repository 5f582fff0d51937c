#include <varsphere/core/thread_count.hpp>
#include <varsphere/core/version.hpp>

namespace varsphere {

const char* version() {
  return VARSPHERE_VERSION;
}

const char* build_architecture() {
  return VARSPHERE_ARCH_DESCRIPTION;
}

std::string build_description() {
  const int threads = resolve_thread_count(0);
  return std::string("varsphere ") + version() + " (arch " + build_architecture() + ", OpenMP, " +
         std::to_string(threads) + (threads == 1 ? " thread" : " threads") + " by default)";
}

}  // namespace varsphere
