// A progress line on stderr for long runs: shown only when stderr is a terminal, not disabled
// (--quiet), and the run has lasted more than `delay_seconds`; redrawn at most 5 times a second.
// finish() (or the destructor) completes it with a newline, so the summary printed next starts
// on a line of its own; logs and pipes never see it.
#pragma once

#include <chrono>
#include <string>

namespace varsphere {

class ProgressReporter {
 public:
  /// `variable` names what update() reports ("t" for a flow, "iteration" for a solve, whose
  /// t_end is then the iteration limit, so the time left shown is an upper bound).
  ProgressReporter(std::string label, double t_begin, double t_end, bool enabled,
                   double delay_seconds = 2.0, std::string variable = "t");
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;
  ~ProgressReporter();

  /// Reports that the run has reached time t; `detail` (e.g. a cost and a residual) is shown
  /// after it.
  void update(double t, const std::string& detail = {});
  /// Ends a drawn line with its final state and a newline (nothing if it was never drawn).
  void finish();

  /// True when stderr is a terminal (the default for `enabled` unless --quiet).
  static bool stderr_is_terminal();

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  std::string variable_;
  double t_begin_, t_end_, last_;
  bool enabled_;
  double delay_;
  Clock::time_point start_, last_draw_;
  bool drawn_ = false;
  std::string detail_;
};

}  // namespace varsphere
