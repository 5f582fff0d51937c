// `--seed`: an unsigned 64-bit integer written in decimal. CLI11 reads it with strtoull, which
// silently turns "-1" and "18446744073709551616" into 2^64 − 1; this option refuses both.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>

namespace varsphere::apps {

/// Registers --seed on `cmd`, bound to `seed`: decimal digits only, at most 2^64 − 1.
CLI::Option* add_seed_option(CLI::App& cmd, std::uint64_t& seed);

}  // namespace varsphere::apps
