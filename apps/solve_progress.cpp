#include "solve_progress.hpp"

#include <cstdio>

namespace varsphere::apps {

namespace {
volatile std::sig_atomic_t stop_requested = 0;

extern "C" void request_stop(int signal_number) {
  if (stop_requested) {  // the second Ctrl-C: die of it as usual
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
  }
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
