#include <varsphere/core/thread_count.hpp>

#include <sched.h>

#include <string>
#include <thread>
#include <varsphere/core/error.hpp>

namespace varsphere {

int resolve_thread_count(int requested) {
  if (requested < 0) {
    throw InvalidInput("thread count must be >= 0 (0: all cores), got " +
                       std::to_string(requested));
  }
  if (requested > 0) return requested;
  // The affinity mask, not the machine: under taskset or a batch scheduler's cgroup this is the
  // share granted to the process.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? static_cast<int>(hardware) : 1;
}

}  // namespace varsphere
