#include <varsphere/solvers/solver_logging.hpp>

#include <glog/logging.h>

#include <mutex>

namespace varsphere {

void set_solver_logging(bool verbose) {
  static std::once_flag once;
  std::call_once(once, [] {
    FLAGS_logtostderr = true;  // no log files under /tmp
    google::InitGoogleLogging("varsphere");
  });
  FLAGS_minloglevel = verbose ? google::GLOG_INFO : google::GLOG_FATAL;
}

}  // namespace varsphere
