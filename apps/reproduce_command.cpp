// `varsphere reproduce [ID ... | all] [--quick] [--json FILE]`: runs the reproductions of
// examples/reproduce (docs/math.md §2–§6), prints one table row per checked quantity and exits 1 if
// any row fails. Unknown IDs are refused before anything runs.
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <varsphere/core/error.hpp>

#include "commands.hpp"
#include "verbosity_flags.hpp"
#include "output_plan.hpp"
#include "provenance.hpp"
#include "reproduction.hpp"
#include "table.hpp"

namespace varsphere::apps {

namespace {

struct ReproduceFlags {
  std::vector<std::string> ids;
  bool quick = false;
  bool list = false;
  std::string json;
};

void run_reproduce(const ReproduceFlags& f) {
  if (f.list) {
    for (const reproduce::Reproduction& r : reproduce::reproductions()) {
      std::cout << std::left << std::setw(26) << r.id << std::setw(11) << r.paper << r.claim
                << "\n";
    }
    return;
  }
  OutputPlan plan;
  plan.file(f.json, "--json", {".json"}).check();
  std::vector<const reproduce::Reproduction*> selected;
  if (f.ids.size() > 1 && std::find(f.ids.begin(), f.ids.end(), "all") != f.ids.end()) {
    throw InvalidInput("'all' runs every reproduction: give it alone or list IDs without it");
  }
  if (f.ids.empty() || (f.ids.size() == 1 && f.ids[0] == "all")) {
    for (const reproduce::Reproduction& r : reproduce::reproductions()) selected.push_back(&r);
  } else {
    for (const std::string& id : f.ids) {
      const reproduce::Reproduction* r = reproduce::find_reproduction(id);
      if (r == nullptr) {
        std::string known;
        for (const auto& k : reproduce::reproductions())
          known += (known.empty() ? "" : ", ") + k.id;
        throw InvalidInput("unknown reproduction '" + id + "' (IDs: " + known + ", or all)");
      }
      selected.push_back(r);
    }
  }
  reproduce::Settings settings;
  settings.quick = f.quick;
  nlohmann::json rows_json = nlohmann::json::array();
  int failed = 0, total = 0;
  bool header = true;
  const auto start = std::chrono::steady_clock::now();
  for (const reproduce::Reproduction* r : selected) {
    const auto rows = r->run(settings);
    reproduce::print_table(std::cout, rows, header);
    std::cout.flush();
    header = false;
    for (const auto& row : rows) {
      rows_json.push_back(reproduce::to_json(row));
      failed += !row.pass;
      ++total;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << std::setprecision(3) << "reproduce: " << total - failed << " of " << total
            << " rows pass (" << selected.size() << " reproductions" << (f.quick ? ", quick" : "")
            << ", " << seconds << " s)\n";
  if (!f.json.empty()) {
    nlohmann::json doc = provenance_json("reproduction rows");
    doc["quick"] = f.quick;
    doc["rows"] = rows_json;
    OutputTransaction outputs = plan.transaction();
    write_json(outputs.stage(f.json), doc);
    outputs.commit();
  }
  if (failed > 0) throw Error(std::to_string(failed) + " reproduction rows failed");
}

}  // namespace

void add_reproduce_command(CLI::App& app) {
  auto f = std::make_shared<ReproduceFlags>();
  CLI::App* cmd = app.add_subcommand(
      "reproduce", "Reproduce the papers' theorems and experiments (table of PASS/FAIL rows)");
  add_verbosity_flags(*cmd);
  cmd->add_option("ids", f->ids, "reproduction IDs, or all (default)");
  cmd->add_flag("--quick", f->quick, "smaller grids and samples (all IDs in under a minute)");
  cmd->add_flag("--list", f->list, "print the IDs with their paper and claim, and run nothing");
  cmd->add_option("--json", f->json, "JSON list of the rows");
  cmd->callback([f] { run_reproduce(*f); });
}

}  // namespace varsphere::apps
