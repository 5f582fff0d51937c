#include "table.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace varsphere::reproduce {

namespace {
std::string number(double v) {
  std::ostringstream s;
  s << std::setprecision(6) << v;
  return s.str();
}
}  // namespace

void print_table(std::ostream& out, const std::vector<Row>& rows, bool header) {
  if (header) {
    out << std::left << std::setw(26) << "ID" << std::setw(12) << "paper" << std::setw(13)
        << "expected" << std::setw(13) << "measured" << std::setw(12) << "tolerance"
        << "result  quantity\n";
  }
  for (const Row& r : rows) {
    const std::string expected =
        (r.relation == Relation::AtLeast ? ">= " : "") + number(r.expected);
    out << std::left << std::setw(26) << r.id << std::setw(12) << r.paper << std::setw(13)
        << expected << std::setw(13) << number(r.measured) << std::setw(12)
        << (r.relation == Relation::AtLeast ? "-" : number(r.tolerance))
        << (r.pass ? "PASS    " : "FAIL    ") << r.quantity << '\n';
  }
}

nlohmann::json to_json(const Row& r) {
  auto finite = [](double v) -> nlohmann::json {
    if (std::isfinite(v)) return v;
    return nullptr;
  };
  nlohmann::json j = {{"id", r.id},
                      {"paper", r.paper},
                      {"quantity", r.quantity},
                      {"expected", finite(r.expected)},
                      {"measured", finite(r.measured)},
                      {"tolerance", finite(r.tolerance)},
                      {"relation", r.relation == Relation::AtLeast ? ">=" : "|m-e|<=tol"},
                      {"pass", r.pass}};
  if (r.series) {
    j["series"] = {{"x_label", r.series->x_label},
                   {"y_label", r.series->y_label},
                   {"x", r.series->x},
                   {"y", r.series->y},
                   {"log_x", r.series->log_x},
                   {"log_y", r.series->log_y}};
    if (!r.series->curves.empty()) {
      nlohmann::json curves = nlohmann::json::object();
      for (const auto& [name, values] : r.series->curves) curves[name] = values;
      j["series"]["curves"] = curves;
    }
  }
  return j;
}

}  // namespace varsphere::reproduce
