// `--quiet`, the same on every command: nothing on stdout (no summary, no table) and no progress
// line on stderr; errors still get their one line on stderr, and every file is written as usual.
#pragma once

#include <CLI/CLI.hpp>

namespace varsphere::apps {

/// Registers --quiet on a subcommand.
void add_quiet_flag(CLI::App& cmd);
/// True once --quiet has been given (for the progress line).
bool quiet();

}  // namespace varsphere::apps
