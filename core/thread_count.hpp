// Thread counts as users give them: 0 means "all cores", any positive number is taken as is.
// Results never depend on the count (docs/architecture.md, "Threads"): the count only decides
// how many workers share a fixed decomposition of the work.
#pragma once

namespace varsphere {

/// The number of threads a count stands for: `requested` if positive, else the number of
/// processors this process may run on (at least 1). Throws InvalidInput for a negative count.
int resolve_thread_count(int requested);

}  // namespace varsphere
