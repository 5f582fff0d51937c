// How the C library's allocator serves large blocks, for programs that run large solves.
//
// glibc maps every block above its mmap threshold (at most 32 MiB) afresh and unmaps it when freed,
// so a solver that allocates the same 64 MiB step Jacobian for every step of every iteration pays
// for zeroed pages each time: 13 % of a De Giorgi BVP at n = 128, d = 16 (page faults and page
// clearing), a third at n = 64, d = 8. keep_freed_memory_for_reuse() serves all blocks from the
// heap and keeps freed memory there for the next allocation (the process' footprint stays at its
// peak instead of shrinking between steps). Process-wide: the `varsphere` command and the
// benchmarks call it first; a library never does it behind its user's back.
#pragma once

namespace varsphere {

/// glibc: M_MMAP_MAX = 0 and M_TRIM_THRESHOLD = 2 GiB (no effect with other C libraries).
void keep_freed_memory_for_reuse();

}  // namespace varsphere
