#include "output_files.hpp"

#include <varsphere/core/atomic_file.hpp>
#include <varsphere/core/error.hpp>

namespace varsphere::apps {

void check_output_path(const std::string& path, const std::string& flag,
                       std::initializer_list<const char*> extensions) {
  if (path.empty()) return;
  const std::filesystem::path p(path);
  bool known = false;
  std::string list;
  for (const char* ext : extensions) {
    known = known || p.extension() == ext;
    list += (list.empty() ? "" : " or ") + std::string(ext);
  }
  if (!known) throw InvalidInput(flag + " '" + path + "': the file name must end in " + list);
  const auto dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(dir)) {
    throw InvalidInput(flag + " '" + path + "': folder '" + dir.string() + "' does not exist");
  }
}

void write_json(const std::filesystem::path& path, const nlohmann::json& doc) {
  write_text_atomically(path, [&](std::ostream& out) { out << doc.dump(2) << '\n'; });
}

}  // namespace varsphere::apps
