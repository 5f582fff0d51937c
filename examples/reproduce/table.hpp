// Presentation of reproduction rows: an aligned text table and the JSON list of
// `varsphere reproduce --json` ({"id", "paper", "quantity", "expected", "measured", "tolerance",
// "relation", "pass"} plus "series" for rows that carry plot data).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "reproduction.hpp"

namespace varsphere::reproduce {

void print_table(std::ostream& out, const std::vector<Row>& rows, bool header = true);
nlohmann::json to_json(const Row& row);

}  // namespace varsphere::reproduce
