#include <unistd.h>

#include <cstdio>
#include <varsphere/core/progress.hpp>

namespace varsphere {

ProgressReporter::ProgressReporter(std::string label, double t_begin, double t_end, bool enabled,
                                   double delay_seconds, std::string variable)
    : label_(std::move(label)),
      variable_(std::move(variable)),
      t_begin_(t_begin),
      t_end_(t_end),
      last_(t_begin),
      enabled_(enabled),
      delay_(delay_seconds),
      start_(Clock::now()),
      last_draw_(start_) {}

ProgressReporter::~ProgressReporter() { finish(); }

void ProgressReporter::finish() {
  if (!drawn_) return;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  std::fprintf(stderr, "\r\033[K%s: done, %s = %.4g%s%s in %.1f s\n", label_.c_str(),
               variable_.c_str(), last_, detail_.empty() ? "" : ", ", detail_.c_str(), elapsed);
  std::fflush(stderr);
  drawn_ = false;
}

bool ProgressReporter::stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

void ProgressReporter::update(double t, const std::string& detail) {
  if (!enabled_) return;
  last_ = t;
  detail_ = detail;
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < delay_ || std::chrono::duration<double>(now - last_draw_).count() < 0.2) return;
  last_draw_ = now;
  const double span = t_end_ - t_begin_;
  const double fraction = span > 0 ? (t - t_begin_) / span : 1.0;
  const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0.0;
  std::fprintf(stderr, "\r\033[K%s: %s = %.4g / %.4g (%3.0f%%)%s%s, %.0f s elapsed, ~%.0f s left",
               label_.c_str(), variable_.c_str(), t, t_end_, 100 * fraction,
               detail_.empty() ? "" : ", ", detail_.c_str(), elapsed, eta);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace varsphere
