// Ceres reports through Google logging (glog), which, until it is initialized, prints every
// warning to stderr with a "Logging before InitGoogleLogging()" banner: a solve at large β
// could bury the one error line of a command under dozens of residual dumps. Programs call
// set_solver_logging() once, before the first solve.
#pragma once

namespace varsphere {

/// Initializes glog on first use (messages to stderr only, never to log files) and sets its
/// threshold: `verbose` shows every Ceres message, otherwise only fatal errors are printed.
/// Process-wide, like glog itself; safe to call again to change the threshold.
void set_solver_logging(bool verbose);

}  // namespace varsphere
