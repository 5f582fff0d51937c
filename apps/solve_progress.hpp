// The progress line and Ctrl-C of a long BVP solve (`bvp`, `compare`): on a terminal (and unless
// --quiet) a line with the iteration, the cost, the DEL residual as the solver sees it and the time;
// while the solve runs, the first SIGINT asks the solver to stop after its current iteration (the
// command then reports the best path so far as not converged and writes only its JSON summary), a
// second one ends the process at once. The previous SIGINT handler (which removes temporaries)
// is back when this object goes.
#pragma once

#include <csignal>
#include <string>
#include <varsphere/core/progress.hpp>
#include <varsphere/solvers/el_bvp.hpp>

namespace varsphere::apps {

class SolveProgress {
 public:
  SolveProgress(const std::string& label, int max_iterations, bool show);
  SolveProgress(const SolveProgress&) = delete;
  SolveProgress& operator=(const SolveProgress&) = delete;
  ~SolveProgress();

  /// For BvpOptions::on_iteration: draws the line; false once Ctrl-C was pressed.
  bool operator()(const BvpIteration& it);
  /// Ends the line (before the command prints its summary).
  void finish() { line_.finish(); }

 private:
  ProgressReporter line_;
  struct sigaction previous_ {};
};

}  // namespace varsphere::apps
