// One reproduction as its own program: `reproduce_<id>` prints the rows of that ID and exits
// non-zero if any fails. `--quick` runs the smaller version.
#include <cstring>
#include <iostream>

#include "reproduction.hpp"
#include "table.hpp"

int main(int argc, char** argv) {
  varsphere::reproduce::Settings settings;
  settings.quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const auto* r = varsphere::reproduce::find_reproduction(VARSPHERE_REPRODUCTION_ID);
  if (r == nullptr) return 2;
  const auto rows = r->run(settings);
  varsphere::reproduce::print_table(std::cout, rows);
  for (const auto& row : rows)
    if (!row.pass) return 1;
  return 0;
}
