// `--quiet` and `--verbose`, the same on every command.
//  --quiet   nothing on stdout (no summary, no table) and no progress line on stderr; errors
//            still get their one line on stderr, and every file is written as usual.
//  --verbose the messages of the libraries underneath (Ceres' warnings) on stderr, which are
//            otherwise silenced so that an error stays one line.
#pragma once

#include <CLI/CLI.hpp>

namespace varsphere::apps {

/// Registers --quiet and --verbose on a subcommand.
void add_verbosity_flags(CLI::App& cmd);
/// True once --quiet has been given (for the progress line).
bool quiet();

}  // namespace varsphere::apps
