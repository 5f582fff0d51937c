#include "output_plan.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <varsphere/core/error.hpp>

namespace varsphere::apps {

namespace {

namespace fs = std::filesystem;

fs::path folder_of(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : "."; }

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// A folder that exists and in which this process can create a file: tried for real (a probe
// file created and removed), since permission bits say nothing for root, a read-only mount or
// /proc.
void require_writable_folder(const fs::path& dir, const std::string& what) {
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (!fs::exists(status)) throw InvalidInput(what + ": folder " + quoted(dir) + " does not exist");
  if (!fs::is_directory(status)) throw InvalidInput(what + ": " + quoted(dir) + " is not a folder");
  const fs::path probe = dir / (".varsphere-probe-" + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    throw InvalidInput(what + ": cannot create files in folder " + quoted(dir) + " (" +
                       std::strerror(errno) + ")");
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
  return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

}  // namespace

OutputPlan& OutputPlan::input(const std::string& path, const std::string& flag) {
  if (!path.empty()) inputs_.push_back({path, flag});
  return *this;
}

OutputPlan& OutputPlan::file(const std::string& path, const std::string& flag,
                             std::initializer_list<const char*> extensions) {
  if (path.empty()) return *this;
  const fs::path p(path);
  bool known = false;
  std::string list;
  for (const char* ext : extensions) {
    known = known || p.extension() == ext;
    list += (list.empty() ? "" : " or ") + std::string(ext);
  }
  if (!known) {
    extension_errors_.push_back(flag + " '" + path + "': the file name must end in " + list);
  }
  files_.push_back({p, flag});
  return *this;
}

OutputPlan& OutputPlan::folder(const std::string& path, const std::string& flag,
                               std::vector<std::string> names) {
  if (path.empty()) return *this;
  fs::path p(path);
  if (!p.has_filename()) p = p.parent_path();  // "out/" is the folder "out"
  folders_.push_back({p, flag});
  for (const auto& name : names) files_.push_back({p / name, flag});
  return *this;
}

void OutputPlan::check() const {
  if (!extension_errors_.empty()) throw InvalidInput(extension_errors_.front());
  std::error_code ec;
  for (const auto& f : folders_) {
    const std::string what = f.flag + " " + quoted(f.path);
    if (fs::exists(f.path, ec) && !fs::is_directory(f.path, ec)) {
      throw InvalidInput(what + " exists and is not a folder");
    }
    require_writable_folder(fs::exists(f.path, ec) ? f.path : folder_of(f.path), what);
  }
  std::vector<fs::path> probed;  // folders already shown writable: one probe file each
  for (std::size_t k = 0; k < files_.size(); ++k) {
    const Output& out = files_[k];
    const std::string what = out.flag + " " + quoted(out.path);
    const fs::path dir = folder_of(out.path);
    bool in_new_folder = false;
    for (const auto& f : folders_) {
      in_new_folder = in_new_folder || (f.path == dir && !fs::exists(dir, ec));
    }
    if (!in_new_folder) {
      // A planned folder was checked above; an existing one is checked here with its files.
      if (std::find(probed.begin(), probed.end(), dir) == probed.end()) {
        require_writable_folder(dir, what);
        probed.push_back(dir);
      }
      const fs::file_status status = fs::symlink_status(out.path, ec);
      if (fs::is_directory(status)) throw InvalidInput(what + " is a folder");
      if (fs::exists(status) && !fs::is_regular_file(status) && !fs::is_symlink(status)) {
        throw InvalidInput(what + " exists and is not a regular file");
      }
    }
    for (const auto& in : inputs_) {
      if (same_file(out.path, in.path)) {
        throw InvalidInput(what + " is the input " + in.flag + ": it would be overwritten");
      }
    }
    for (std::size_t j = 0; j < k; ++j) {
      if (same_file(out.path, files_[j].path)) {
        throw InvalidInput(what + " is also the output of " + files_[j].flag);
      }
    }
  }
}

OutputTransaction OutputPlan::transaction() const {
  OutputTransaction tx;
  std::error_code ec;
  for (const auto& f : folders_) {
    if (!fs::exists(f.path, ec)) tx.new_folder(f.path);
  }
  return tx;
}

void write_json(const std::filesystem::path& path, const nlohmann::json& doc) {
  write_text_atomically(path, [&](std::ostream& out) { out << doc.dump(2) << '\n'; });
}

}  // namespace varsphere::apps
