#include <varsphere/core/atomic_file.hpp>

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <system_error>
#include <varsphere/core/error.hpp>

namespace varsphere {

namespace {
std::filesystem::path temporary_beside(const std::filesystem::path& target) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path tmp = target;
  tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  return tmp;
}
}  // namespace

AtomicOutput::AtomicOutput(std::filesystem::path target)
    : target_(std::move(target)), tmp_(temporary_beside(target_)) {
  const auto dir = target_.has_parent_path() ? target_.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw IoError("cannot write '" + target_.string() + "': directory '" + dir.string() +
                  "' does not exist");
  }
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) {
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);  // best effort: never throw from a destructor
  }
}

void AtomicOutput::commit() {
  std::error_code ec;
  std::filesystem::rename(tmp_, target_, ec);
  if (ec) {
    throw IoError("cannot write '" + target_.string() + "': " + ec.message());
  }
  committed_ = true;
}

void write_text_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& writer) {
  AtomicOutput out(path);
  {
    std::ofstream stream(out.temporary_path(), std::ios::out | std::ios::trunc);
    if (!stream) {
      throw IoError("cannot write '" + path.string() + "': cannot create a file there");
    }
    writer(stream);
    stream.flush();
    if (!stream) {
      throw IoError("cannot write '" + path.string() + "': write failed (disk full?)");
    }
  }
  out.commit();
}

}  // namespace varsphere
