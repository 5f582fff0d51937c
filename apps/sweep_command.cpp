// `varsphere sweep SPEC.json --out RESULTS.h5` and `varsphere sweep-merge PART.h5 ... --out
// RESULTS.h5` (docs/sweeps.md): many flows from one spec, in parallel on one machine (--jobs), as
// a share of a job array (--task/--of), or over MPI ranks (mpirun); resumable from the journal
// folder beside the output.
#include <chrono>
#include <cstdio>
#include <algorithm>
#include <iostream>
#include <memory>
#include <varsphere/core/error.hpp>
#include <varsphere/core/progress.hpp>
#include <varsphere/core/thread_count.hpp>
#include <varsphere/solvers/sweep.hpp>

#include "commands.hpp"
#include "output_plan.hpp"
#include "provenance.hpp"
#include "sweep_distribution.hpp"
#include "verbosity_flags.hpp"

namespace varsphere::apps {

namespace {

struct SweepFlags {
  std::string spec, out, journal;
  int jobs = 0;
  int task = 0, of = 1;
};

struct MergeFlags {
  std::vector<std::string> parts;
  std::string out;
};

void print_summary(const char* what, const SweepResults& results, double seconds,
                   std::int64_t from_journal = 0) {
  if (quiet()) return;
  const auto computed = static_cast<std::int64_t>(results.runs.size()) - from_journal;
  std::printf("%s: %zu runs (%d grid points x %d seeds) in %.2f s, %.1f runs/s", what,
              results.runs.size(), results.spec.grid_size(), results.spec.seeds, seconds,
              seconds > 0 ? static_cast<double>(computed) / seconds : 0.0);
  if (from_journal > 0) {
    std::printf("; %lld computed now, %lld from the journal", static_cast<long long>(computed),
                static_cast<long long>(from_journal));
  }
  std::printf("\n");
}

void run_sweep_command(const SweepFlags& f) {
  const auto start = std::chrono::steady_clock::now();
  OutputPlan plan;
  plan.input(f.spec, "SPEC");
  plan.file(f.out, "--out", {".h5"}).check();
  if (f.of < 1) throw InvalidInput("--of must be >= 1");
  if (f.task < 0 || f.task >= f.of) throw InvalidInput("--task must be in 0..--of - 1");
  if (f.jobs < 0) throw InvalidInput("--jobs must be >= 0 (0: all cores)");
  const SweepSpec spec = read_sweep_spec(f.spec);
  SweepOptions options;
  options.task = f.task;
  options.of = f.of;
  options.journal = f.journal.empty() ? f.out + ".journal" : f.journal;
  const bool distributed = launched_with_several_ranks();
  // Under MPI each rank is one process per core: one worker each unless --jobs says otherwise.
  options.jobs = distributed && f.jobs == 0 ? 1 : f.jobs;
  std::int64_t share = 0;
  for (std::int64_t r = f.task; r < spec.run_count(); r += f.of) ++share;
  ProgressReporter progress("sweep", 0.0, static_cast<double>(share),
                            !quiet() && ProgressReporter::stderr_is_terminal(), 2.0, "runs");
  // The first report counts the runs an earlier, interrupted invocation left in the journal.
  std::int64_t from_journal = -1;
  auto report = [&](std::int64_t done, std::int64_t) {
    if (from_journal < 0) from_journal = done;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char rate[48];
    std::snprintf(rate, sizeof rate, "%.1f runs/s", elapsed > 0 ? (done - from_journal) / elapsed : 0.0);
    progress.update(static_cast<double>(done), rate);
  };
  std::optional<SweepResults> results;
  if (distributed) {
    results = run_sweep_distributed(spec, options, report);
    if (!results) return;  // not rank 0: rank 0 writes the output
  } else {
    options.on_progress = report;
    results = run_sweep(spec, options);
  }
  progress.finish();
  write_sweep_results(f.out, *results, command_line(), f.of > 1 ? f.task : -1, f.of);
  SweepJournal(options.journal, spec).remove();
  print_summary("sweep", *results,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                std::max<std::int64_t>(from_journal, 0));
}

void run_merge_command(const MergeFlags& f) {
  const auto start = std::chrono::steady_clock::now();
  OutputPlan plan;
  for (const std::string& part : f.parts) plan.input(part, "PART");
  plan.file(f.out, "--out", {".h5"}).check();
  std::vector<SweepResults> parts;
  for (const std::string& part : f.parts) parts.push_back(read_sweep_results(part));
  SweepResults merged = merge_sweep_results(std::move(parts));
  const std::int64_t expected = merged.spec.run_count();
  if (static_cast<std::int64_t>(merged.runs.size()) != expected) {
    throw InvalidInput("sweep-merge: the parts hold " + std::to_string(merged.runs.size()) +
                       " of the spec's " + std::to_string(expected) +
                       " runs (a part is missing or unfinished)");
  }
  write_sweep_results(f.out, merged, command_line());
  print_summary("sweep-merge", merged,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto f = std::make_shared<SweepFlags>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Many flows from one spec: a grid of flow flags x seeds, observables on a time grid");
  add_verbosity_flags(*cmd);
  cmd->add_option("spec", f->spec, "JSON spec (docs/sweeps.md)")->required();
  cmd->add_option("--out", f->out, "results (.h5), written when every run of the share is done")
      ->required();
  cmd->add_option("--jobs", f->jobs, "worker threads (0: all cores; 1 per rank under mpirun)");
  cmd->add_option("--task", f->task, "this share of a job array: runs r with r % --of == --task");
  cmd->add_option("--of", f->of, "number of shares of the job array");
  cmd->add_option("--journal", f->journal,
                  "folder of finished runs, for resuming (default: OUT.journal; shared by all "
                  "ranks under MPI)");
  cmd->callback([f] { run_sweep_command(*f); });

  auto m = std::make_shared<MergeFlags>();
  CLI::App* merge = app.add_subcommand("sweep-merge", "Merge the parts of a job array");
  add_verbosity_flags(*merge);
  merge->add_option("parts", m->parts, "part files (.h5) of one spec")->required();
  merge->add_option("--out", m->out, "merged results (.h5)")->required();
  merge->callback([m] { run_merge_command(*m); });
}

}  // namespace varsphere::apps
