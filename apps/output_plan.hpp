// The outputs of one command, checked together before any work and written together after it
// (README.md, "Command line"): a typo or an unwritable folder costs no computation, a failed run
// writes nothing, and an interrupted one leaves every earlier output as it was.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <varsphere/core/atomic_file.hpp>
#include <vector>

namespace varsphere::apps {

class OutputPlan {
 public:
  /// An input file of the run (given by `flag`): no output may be the same file. Empty paths
  /// are ignored.
  OutputPlan& input(const std::string& path, const std::string& flag);
  /// A file output of `flag` (empty: not requested) whose name must end in one of `extensions`.
  OutputPlan& file(const std::string& path, const std::string& flag,
                   std::initializer_list<const char*> extensions);
  /// A folder output of `flag` (empty: not requested) that will hold `names`; created by the run
  /// if it does not exist (its parent must).
  OutputPlan& folder(const std::string& path, const std::string& flag,
                     std::vector<std::string> names);

  /// Throws InvalidInput naming the flag for the first problem: a wrong extension; a folder that
  /// does not exist, is not a folder or where no file can be created (read-only, /proc); a target
  /// that is a folder or not a regular file; an output that is an input or another output.
  void check() const;

  /// A transaction for writing the planned outputs: stage each, commit once (new folders are
  /// created at the commit).
  OutputTransaction transaction() const;

 private:
  struct Output {
    std::filesystem::path path;
    std::string flag;
  };
  std::vector<Output> inputs_;
  std::vector<Output> files_;  // every file, including those inside planned folders
  std::vector<Output> folders_;
  std::vector<std::string> extension_errors_;
};

/// Writes the JSON document atomically (pretty-printed, 17 significant digits for doubles).
void write_json(const std::filesystem::path& path, const nlohmann::json& doc);

}  // namespace varsphere::apps
