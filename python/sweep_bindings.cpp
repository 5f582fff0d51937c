// Sweeps from Python (solvers/sweep.hpp, docs/sweeps.md): the same spec, runs, file and
// journal as `varsphere sweep`, with the results also returned as a dict of numpy arrays keyed
// by the file's dataset names.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <varsphere/core/error.hpp>
#include <varsphere/solvers/sweep.hpp>

#include "bindings.hpp"
#include "interrupt.hpp"

namespace varsphere::python {

namespace {

SweepSpec spec_from(const py::object& spec) {
  if (py::isinstance<py::dict>(spec)) {
    const std::string text = py::module_::import("json").attr("dumps")(spec).cast<std::string>();
    return parse_sweep_spec(text, std::filesystem::current_path());
  }
  if (py::isinstance<py::str>(spec) || py::hasattr(spec, "__fspath__")) {
    return read_sweep_spec(spec.cast<std::filesystem::path>());
  }
  throw InvalidInput("sweep: spec must be a dict or the path of a JSON file");
}

py::dict table_to_python(const H5Table& table) {
  py::dict out;
  for (const auto& [name, array] : table.datasets) {
    std::vector<py::ssize_t> shape(array.dims.begin(), array.dims.end());
    py::array_t<double> a(shape);
    std::copy(array.values.begin(), array.values.end(), a.mutable_data());
    out[py::str(name)] = a;
  }
  py::dict attrs;
  for (const auto& [key, value] : table.attributes) {
    if (const auto* text = std::get_if<std::string>(&value)) {
      attrs[py::str(key)] = py::str(*text);
    } else {
      attrs[py::str(key)] = py::float_(std::get<double>(value));
    }
  }
  out["attrs"] = attrs;
  return out;
}

}  // namespace

void bind_sweep(py::module_& m) {
  m.def(
      "sweep",
      [](const py::object& spec_object, const std::optional<std::filesystem::path>& out, int jobs,
         int task, int of, const std::optional<std::filesystem::path>& journal) {
        const SweepSpec spec = spec_from(spec_object);
        if (jobs < 0) throw InvalidInput("sweep: jobs must be >= 0 (0: all cores)");
        if (out && out->extension() != ".h5") throw InvalidInput("sweep: out must end in .h5");
        SweepOptions options;
        options.jobs = jobs;
        options.task = task;
        options.of = of;
        if (journal) {
          options.journal = *journal;
        } else if (out) {
          options.journal = out->string() + ".journal";
        }
        InterruptPoll poll;  // Ctrl-C: seen between runs (on the calling thread)
        options.on_progress = [&](std::int64_t, std::int64_t) { poll(); };
        const SweepResults results = without_gil([&] { return run_sweep(spec, options); });
        const H5Table table = sweep_results_table(results, {}, of > 1 ? task : -1, of);
        if (out) {
          without_gil([&] {
            write_h5_table(*out, table);
            if (!options.journal.empty()) SweepJournal(options.journal, spec).remove();
            return 0;
          });
        }
        return table_to_python(table);
      },
      py::arg("spec"), py::arg("out") = py::none(), py::arg("jobs") = 0, py::arg("task") = 0,
      py::arg("of") = 1, py::arg("journal") = py::none(),
      R"(Run a sweep: the runs of a spec (a dict, or the path of a JSON file; docs/sweeps.md) on
`jobs` threads (0: all cores). With `out` (.h5) the results are written as `varsphere sweep`
writes them, finished runs are journaled in OUT.journal (or `journal`) and a call that was
interrupted resumes there. task/of: this share of a job array (runs r with r % of == task).
Returns a dict of arrays keyed by the file's dataset names ("runs/pair_fraction" (R, m),
"summary/clusters/mean" (G, m), "grid/beta" (G,), "grid/times" (G, m), ...) and "attrs".)");
  m.def(
      "sweep_merge",
      [](const std::vector<std::filesystem::path>& parts, const std::filesystem::path& out) {
        const H5Table table = without_gil([&] {
          std::vector<SweepResults> read;
          for (const auto& part : parts) read.push_back(read_sweep_results(part));
          SweepResults merged = merge_sweep_results(std::move(read));
          if (static_cast<std::int64_t>(merged.runs.size()) != merged.spec.run_count()) {
            throw InvalidInput("sweep_merge: the parts hold " + std::to_string(merged.runs.size()) +
                               " of the spec's " + std::to_string(merged.spec.run_count()) + " runs");
          }
          H5Table t = sweep_results_table(merged);
          write_h5_table(out, t);
          return t;
        });
        return table_to_python(table);
      },
      py::arg("parts"), py::arg("out"),
      "Merge the part files of a job array (same spec) into `out`; returns the merged dict.");
}

}  // namespace varsphere::python
