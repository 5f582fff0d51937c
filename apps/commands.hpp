// The subcommands of the `varsphere` program. Each adds itself to the CLI11 application; its
// callback throws varsphere::Error (or CLI::Error) on bad input, and main() turns any error into
// one line on stderr and a non-zero exit.
#pragma once

#include <CLI/CLI.hpp>

namespace varsphere::apps {

/// `varsphere demo`: a small tour of the sphere geometry on a random configuration.
void add_demo_command(CLI::App& app);

/// `varsphere flow`: integrate the attention flow (README.md, "Command line").
void add_flow_command(CLI::App& app);

/// `varsphere bvp`: optimal path between two configurations (README.md, "Command line").
void add_bvp_command(CLI::App& app);

/// `varsphere compare`: the flow against the optimal path between its endpoints (README.md, "Command line").
void add_compare_command(CLI::App& app);

/// `varsphere stationary`: stationary points of the interaction energy E_D (docs/math.md §4).
void add_stationary_command(CLI::App& app);

/// `varsphere reproduce`: the papers' theorems as PASS/FAIL rows (examples/reproduce).
void add_reproduce_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_fit_command(CLI::App& app);

}  // namespace varsphere::apps
