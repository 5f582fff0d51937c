// All-or-nothing file output: data goes to a temporary file beside the target, which is renamed
// over the target only when everything was written. A failure (exception, full disk, crash)
// leaves the target untouched: nothing is ever half-written.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>

namespace varsphere {

/// A temporary path beside `target`; commit() renames it over the target, the destructor removes
/// it if commit() was never called. Use it for writers that need a path (e.g. HDF5).
class AtomicOutput {
 public:
  explicit AtomicOutput(std::filesystem::path target);
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  ~AtomicOutput();

  const std::filesystem::path& temporary_path() const { return tmp_; }
  const std::filesystem::path& target() const { return target_; }
  /// Renames the temporary file over the target; throws IoError on failure.
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path tmp_;
  bool committed_ = false;
};

/// Runs `writer` on a stream to a temporary file and renames it over `path` when the stream is
/// still good after flushing. Throws IoError (target untouched) otherwise.
void write_text_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& writer);

}  // namespace varsphere
