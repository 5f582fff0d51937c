// How much memory a request may take, checked before it is allocated: a run that cannot fit is
// refused at once with its size and the option that sets it, instead of ending in bad_alloc (or
// the kernel's OOM killer) after minutes of work.
#pragma once

#include <cstdint>
#include <string>

namespace varsphere {

/// Bytes this process can still allocate: the least of the kernel's MemAvailable
/// (/proc/meminfo), the cgroup limit minus its usage (memory.max, cgroup v2: a Slurm or container
/// limit) and the address-space limit (RLIMIT_AS, `ulimit -v`). Read afresh on every call.
std::uint64_t available_memory_bytes();

/// Human-readable size: "512 B", "3.2 MB", "24.0 GB".
std::string format_bytes(double bytes);

/// Throws ResourceLimit "<what> needs <bytes>, more than the <available> available[; hint]"
/// when `bytes` (a double, so that an overflowing product stays an honest +inf) exceeds
/// available_memory_bytes().
void require_memory(double bytes, const std::string& what, const std::string& hint = "");

}  // namespace varsphere
