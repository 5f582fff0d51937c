#include <varsphere/core/memory_budget.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <varsphere/core/error.hpp>

namespace varsphere {

namespace {

constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

// "MemAvailable:   12345 kB" in /proc/meminfo; the physical size when the line is missing.
std::uint64_t mem_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t value = 0;
  std::string unit;
  while (in >> key >> value >> unit) {
    if (key == "MemAvailable:") return value * 1024;
  }
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * page : kUnlimited;
}

std::uint64_t read_number(const char* path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return kUnlimited;
  try {
    return std::stoull(text);
  } catch (...) {
    return kUnlimited;
  }
}

// cgroup v2 of this process (one line "0::/path" in /proc/self/cgroup).
std::uint64_t cgroup_room() {
  std::ifstream in("/proc/self/cgroup");
  std::string line, path;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  }
  if (path.empty()) return kUnlimited;
  const std::string dir = "/sys/fs/cgroup" + (path == "/" ? std::string() : path);
  const std::uint64_t limit = read_number((dir + "/memory.max").c_str());
  if (limit == kUnlimited) return kUnlimited;
  const std::uint64_t used = read_number((dir + "/memory.current").c_str());
  return used == kUnlimited || used >= limit ? 0 : limit - used;
}

std::uint64_t address_space_room() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return kUnlimited;
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace

std::uint64_t available_memory_bytes() {
  return std::min({mem_available(), cgroup_room(), address_space_room()});
}

std::string format_bytes(double bytes) {
  if (!std::isfinite(bytes)) return "over 1e308 bytes";
  char buffer[64];
  if (bytes >= 1e21) {  // beyond exabytes: the number itself
    std::snprintf(buffer, sizeof buffer, "%.2g bytes", bytes);
    return buffer;
  }
  const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  while (bytes >= 1000 && u < 6) {
    bytes /= 1000;
    ++u;
  }
  if (u == 0) {
    std::snprintf(buffer, sizeof buffer, "%.0f B", bytes);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f %s", bytes, units[u]);
  }
  return buffer;
}

void require_memory(double bytes, const std::string& what, const std::string& hint) {
  const std::uint64_t available = available_memory_bytes();
  if (!(bytes <= static_cast<double>(available))) {
    throw ResourceLimit(what + " needs " + format_bytes(bytes) + ", more than the " +
                        format_bytes(static_cast<double>(available)) + " available" +
                        (hint.empty() ? "" : "; " + hint));
  }
}

}  // namespace varsphere
