// All-or-nothing file output: data goes to a temporary file beside the target, which is renamed
// over the target only when everything was written. A failure (exception, full disk, crash)
// leaves the target untouched: nothing is ever half-written.
//
// Temporaries are named "<stem>.tmp-<pid>-<k><extension>" (so a writer that picks its format from
// the extension sees the target's) and are registered, while they exist, in a process-wide table
// that remove_temporaries_on_signal()'s handler empties: an interrupted run leaves none behind.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <vector>

namespace varsphere {

/// A temporary path beside `target` (or in `staging_dir` when given: for a target whose folder
/// does not exist yet); commit() renames it over the target, the destructor removes it if
/// commit() was never called. Use it for writers that need a path (e.g. HDF5).
class AtomicOutput {
 public:
  explicit AtomicOutput(std::filesystem::path target);
  AtomicOutput(std::filesystem::path target, const std::filesystem::path& staging_dir);
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
  int slot_ = -1;  // entry in the signal handler's table of temporaries
  bool committed_ = false;
};

/// Runs `writer` on a stream to a temporary file and renames it over `path` when the stream is
/// still good after flushing. Throws IoError (target untouched) otherwise.
void write_text_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& writer);

/// Several outputs that appear together or not at all. stage(target) returns a temporary path
/// with the target's extension; write it completely (any writer, atomic or not), then commit()
/// renames every staged file over its target, creating the folders registered with
/// new_folder() first, with SIGINT/SIGTERM/SIGHUP held back until the last rename. Without
/// commit(), every staged file is removed. A rename can still fail in the middle of commit() (a
/// disk error); the targets renamed before it then hold the new run's files.
class OutputTransaction {
 public:
  /// A temporary for `target`; its folder must exist or have been registered with new_folder().
  std::filesystem::path stage(const std::filesystem::path& target);
  /// A folder created at commit(); files staged inside it wait beside it until then.
  void new_folder(const std::filesystem::path& folder);
  void commit();

 private:
  std::vector<std::filesystem::path> folders_;
  std::vector<std::unique_ptr<AtomicOutput>> staged_;
};

/// Installs handlers for SIGINT, SIGTERM and SIGHUP that remove every live temporary, then let
/// the process die of the signal as it would have (exit status 128 + signal). Idempotent;
/// command-line programs call it first.
void remove_temporaries_on_signal();

}  // namespace varsphere
