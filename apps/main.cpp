// Entry point of the `varsphere` command (README.md, "Command line").
// Exit status: 0 success, 1 a failed computation or bad data, 2 bad usage (flags).
#include <exception>
#include <iostream>
#include <string>
#include <varsphere/core/allocation_policy.hpp>
#include <varsphere/core/atomic_file.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/solvers/solver_logging.hpp>
#include <varsphere/core/version.hpp>

#include "commands.hpp"
#include "provenance.hpp"

int main(int argc, char** argv) {
  // An interrupted run leaves no temporary file; Ceres is silent unless --verbose.
  varsphere::remove_temporaries_on_signal();
  // Large solves reuse freed memory instead of faulting in fresh pages (core/allocation_policy.hpp).
  varsphere::keep_freed_memory_for_reuse();
  varsphere::set_solver_logging(false);
  CLI::App app{"varsphere: Riemannian optimization and calculus of variations on spheres"};
  varsphere::apps::set_command_line(argc, argv);
  app.set_version_flag("--version", varsphere::build_description());
  app.require_subcommand(1);
  // Every option of every command shows its default in --help.
  app.option_defaults()->always_capture_default();
  varsphere::apps::add_demo_command(app);
  varsphere::apps::add_flow_command(app);
  varsphere::apps::add_bvp_command(app);
  varsphere::apps::add_compare_command(app);
  varsphere::apps::add_stationary_command(app);
  varsphere::apps::add_sweep_command(app);
  varsphere::apps::add_fit_command(app);
#ifdef VARSPHERE_CLI_REPRODUCE
  varsphere::apps::add_reproduce_command(app);
#endif
  // CLI11 would say only "a subcommand is required": name the word it did not recognize.
  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    bool found = false;
    for (const CLI::App* sub : app.get_subcommands({})) {
      found = found || sub->get_name() == argv[1];
      known += (known.empty() ? "" : ", ") + sub->get_name();
    }
    if (!found) {
      std::cerr << "varsphere: error: '" << argv[1]
                << "' is not a varsphere command (commands: " << known << ")\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "varsphere: error: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const varsphere::Error& e) {
    std::cerr << "varsphere: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "varsphere: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
