#include "solve_progress.hpp"

#include <time.h>

#include <cstdio>

namespace varsphere::apps {

namespace {
volatile std::sig_atomic_t stop_requested = 0;
volatile double first_request = 0;  // CLOCK_MONOTONIC seconds of the first SIGINT

double monotonic_seconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

extern "C" void request_stop(int signal_number) {
  // A second Ctrl-C ends the process as usual. One sent to the process and to its group at once
  // (as `timeout` and some shells do) arrives twice within microseconds: that is still the first.
  if (stop_requested && monotonic_seconds() - first_request > 0.25) {
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
  }
  if (!stop_requested) first_request = monotonic_seconds();
  stop_requested = 1;
}
}  // namespace

SolveProgress::SolveProgress(const std::string& label, int max_iterations, bool show)
    // Iterations of both attempts (split, then without) count against one line.
    : line_(label, 0.0, 2.0 * max_iterations, show, 2.0, "iteration") {
  stop_requested = 0;
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous_);
}

SolveProgress::~SolveProgress() { sigaction(SIGINT, &previous_, nullptr); }

bool SolveProgress::operator()(const BvpIteration& it) {
  char detail[96];
  std::snprintf(detail, sizeof detail, "cost %.6g, |DEL| ~ %.2e", it.cost, it.del_estimate);
  line_.update(it.iteration, detail);
  return stop_requested == 0;
}

}  // namespace varsphere::apps
