// How `varsphere sweep` shares its runs among processes started by mpirun (docs/sweeps.md).
//
// Built only when CMake finds MPI (the MPI C API of Open MPI; VARSPHERE_MPI). Rank 0 hands out
// chunks of run indices on request (guided sizes: a rank that finishes early takes more work) from
// a helper thread while its own workers compute too; every rank writes its finished runs to the
// sweep journal (a folder on a file system all ranks see); after a barrier rank 0 reads the
// journal and writes the one output. Runs are pure functions of (spec, index), so the output is
// the single-process output, row for row.
#pragma once

#include <functional>
#include <optional>
#include <varsphere/solvers/sweep.hpp>

namespace varsphere::apps {

/// True when this process was started by mpirun/srun with more than one rank (from the launcher's
/// environment; MPI itself is not initialized by the check).
bool launched_with_several_ranks();

/// True if this build has MPI.
bool mpi_available();

/// Runs the pending runs of `options` over all ranks (MPI_Init .. MPI_Finalize inside). Rank 0
/// returns every run of the share, sorted; the other ranks return nothing. `progress(done,
/// total)` is called on rank 0 with the runs finished on all ranks (as reported so far).
std::optional<SweepResults> run_sweep_distributed(
    const SweepSpec& spec, const SweepOptions& options,
    const std::function<void(std::int64_t, std::int64_t)>& progress);

}  // namespace varsphere::apps
