// Output paths of the subcommands: checked before any computation (so a typo does not cost a long
// run), then written atomically.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace varsphere::apps {

/// Throws InvalidInput if `path` is non-empty and its folder does not exist, or if it does not
/// end in one of `extensions` (e.g. {".csv", ".h5"}); `flag` names the option in the message.
void check_output_path(const std::string& path, const std::string& flag,
                       std::initializer_list<const char*> extensions);

/// Writes the JSON document atomically (pretty-printed, 17 significant digits for doubles).
void write_json(const std::filesystem::path& path, const nlohmann::json& doc);

}  // namespace varsphere::apps
