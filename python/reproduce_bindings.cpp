// varsphere.reproduce: the reproductions of `varsphere reproduce` (examples/reproduce/) with their
// rows as dicts.
#include <pybind11/stl.h>

#include <varsphere/core/error.hpp>

#include "arrays.hpp"
#include "bindings.hpp"
#include "reproduction.hpp"

namespace varsphere::python {

void bind_reproduce(py::module_& m) {
  m.def(
      "reproductions",
      [] {
        py::list out;
        for (const auto& r : reproduce::reproductions()) {
          py::dict row;
          row["id"] = r.id;
          row["paper"] = r.paper;
          row["claim"] = r.claim;
          out.append(row);
        }
        return out;
      },
      "The table of reproduction IDs (as `varsphere reproduce --list`): dicts id, paper, claim.");
  m.def(
      "reproduce",
      [](const py::object& ids, bool quick) {
        std::vector<const reproduce::Reproduction*> chosen;
        if (py::isinstance<py::str>(ids)) {
          const std::string id = ids.cast<std::string>();
          if (id == "all") throw InvalidInput("reproduce: pass ids=None for all reproductions");
          chosen.push_back(reproduce::find_reproduction(id));
          if (!chosen.back()) throw InvalidInput("reproduce: unknown id '" + id + "'");
        } else if (ids.is_none()) {
          for (const auto& r : reproduce::reproductions()) chosen.push_back(&r);
        } else {
          for (const auto& item : ids) {
            const std::string id = py::str(item);
            chosen.push_back(reproduce::find_reproduction(id));
            if (!chosen.back()) throw InvalidInput("reproduce: unknown id '" + id + "'");
          }
        }
        const reproduce::Settings settings{quick};
        py::list out;
        for (const auto* r : chosen) {
          const auto rows = without_gil([&] { return r->run(settings); });
          for (const auto& row : rows) {
            py::dict d;
            d["id"] = row.id;
            d["paper"] = row.paper;
            d["quantity"] = row.quantity;
            d["expected"] = row.expected;
            d["measured"] = row.measured;
            d["tolerance"] = row.tolerance;
            d["relation"] = row.relation == reproduce::Relation::Within ? "within" : "at-least";
            d["pass"] = row.pass;
            out.append(d);
          }
        }
        return out;
      },
      py::arg("ids") = py::none(), py::kw_only(), py::arg("quick") = true,
      R"(Run reproductions (an id, a list of ids, or None for all) and return their rows as dicts:
id, paper, quantity, expected, measured, tolerance, relation ('within' or 'at-least'), pass.
quick=True uses the smaller grids of `varsphere reproduce --quick`.)");
}

}  // namespace varsphere::python
