#include "sweep_distribution.hpp"

#include <cstdlib>
#include <string>
#include <varsphere/core/error.hpp>

#ifdef VARSPHERE_MPI
// The MPI C API only (Open MPI would otherwise pull in its removed C++ bindings).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace varsphere::apps {

bool launched_with_several_ranks() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS_MPI"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && std::atoi(value) > 1) return true;
  }
  return false;
}

#ifndef VARSPHERE_MPI

bool mpi_available() { return false; }

std::optional<SweepResults> run_sweep_distributed(
    const SweepSpec&, const SweepOptions&, const std::function<void(std::int64_t, std::int64_t)>&) {
  throw InvalidInput(
      "this varsphere was built without MPI, but it was started with several ranks (install "
      "libopenmpi-dev and rebuild, or use --task/--of)");
}

#else

bool mpi_available() { return true; }

namespace {

constexpr int kRequest = 1;  // worker → rank 0: [runs finished since the last request]
constexpr int kWork = 2;     // rank 0 → worker: run indices (none: no work left)

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw Error(std::string("MPI error in ") + what);
}

}  // namespace

std::optional<SweepResults> run_sweep_distributed(
    const SweepSpec& spec, const SweepOptions& options,
    const std::function<void(std::int64_t, std::int64_t)>& progress) {
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  struct Finalize {
    ~Finalize() { MPI_Finalize(); }
  } finalize;
  if (provided < MPI_THREAD_SERIALIZED) {
    throw Error("MPI does not provide MPI_THREAD_SERIALIZED, which the sweep needs");
  }
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  // A failing run on any rank ends every rank (the others would wait for it forever).
  auto abort_on_error = [&](const auto& body) {
    try {
      body();
    } catch (const std::exception& e) {
      std::cerr << "varsphere: error: sweep (rank " << rank << "): " << e.what() << "\n";
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  };

  std::int64_t total = 0;
  for (std::int64_t r = options.task; r < spec.run_count(); r += options.of) ++total;
  const SweepJournal journal(options.journal, spec);

  if (rank == 0) {
    std::vector<std::int64_t> pending;
    abort_on_error([&] { pending = pending_runs(spec, options); });
    std::mutex lock;  // the cursor and the counts (rank 0's workers and its helper thread)
    std::size_t cursor = 0;
    std::int64_t done = total - static_cast<std::int64_t>(pending.size());
    if (progress) progress(done, total);  // the first report: runs found in the journal
    const int jobs = std::max(1, options.jobs);
    auto take = [&](std::size_t most) {
      const std::size_t left = pending.size() - cursor;
      // Guided: a share of what is left, so that the last chunks are small.
      const std::size_t count =
          std::min(left, std::max<std::size_t>(1, std::min(most, left / (2 * size * jobs))));
      std::vector<std::int64_t> chunk(pending.begin() + cursor, pending.begin() + cursor + count);
      cursor += count;
      return chunk;
    };
    std::thread helper([&] {
      int finished_workers = 0;
      while (finished_workers < size - 1) {
        int flag = 0;
        MPI_Status status;
        MPI_Iprobe(MPI_ANY_SOURCE, kRequest, MPI_COMM_WORLD, &flag, &status);
        if (!flag) {
          std::this_thread::sleep_for(std::chrono::microseconds(500));
          continue;
        }
        std::int64_t reported = 0;
        MPI_Recv(&reported, 1, MPI_INT64_T, status.MPI_SOURCE, kRequest, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        std::vector<std::int64_t> chunk;
        {
          std::lock_guard<std::mutex> guard(lock);
          done += reported;
          chunk = take(64);
          if (progress) progress(done, total);
        }
        MPI_Send(chunk.data(), static_cast<int>(chunk.size()), MPI_INT64_T, status.MPI_SOURCE,
                 kWork, MPI_COMM_WORLD);
        if (chunk.empty()) ++finished_workers;
      }
    });
    abort_on_error([&] {
      run_sweep_work(
          spec, options.jobs,
          [&]() -> std::int64_t {
            std::lock_guard<std::mutex> guard(lock);
            return cursor < pending.size() ? pending[cursor++] : -1;
          },
          [&](SweepRun&& run) {
            journal.write(run);
            std::lock_guard<std::mutex> guard(lock);
            ++done;
            if (progress) progress(done, total);
          });
    });
    helper.join();
    MPI_Barrier(MPI_COMM_WORLD);  // every rank's journal files are written
    SweepResults results;
    results.spec = spec;
    for (std::int64_t r = options.task; r < spec.run_count(); r += options.of) {
      results.runs.push_back(journal.read(r));
    }
    return results;
  }

  // A worker rank: ask rank 0 for chunks until it has none.
  std::deque<std::int64_t> queue;
  std::int64_t finished_since_request = 0;
  bool exhausted = false;
  abort_on_error([&] {
    run_sweep_work(
        spec, options.jobs,
        [&]() -> std::int64_t {
          while (queue.empty() && !exhausted) {
            check(MPI_Send(&finished_since_request, 1, MPI_INT64_T, 0, kRequest, MPI_COMM_WORLD),
                  "MPI_Send");
            finished_since_request = 0;
            MPI_Status status;
            check(MPI_Probe(0, kWork, MPI_COMM_WORLD, &status), "MPI_Probe");
            int count = 0;
            MPI_Get_count(&status, MPI_INT64_T, &count);
            std::vector<std::int64_t> chunk(count);
            check(MPI_Recv(chunk.data(), count, MPI_INT64_T, 0, kWork, MPI_COMM_WORLD,
                           MPI_STATUS_IGNORE),
                  "MPI_Recv");
            if (count == 0) exhausted = true;
            queue.insert(queue.end(), chunk.begin(), chunk.end());
          }
          if (queue.empty()) return -1;
          const std::int64_t next = queue.front();
          queue.pop_front();
          return next;
        },
        [&](SweepRun&& run) {
          journal.write(run);
          ++finished_since_request;
        });
  });
  MPI_Barrier(MPI_COMM_WORLD);
  return std::nullopt;
}

#endif

}  // namespace varsphere::apps
