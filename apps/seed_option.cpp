#include "seed_option.hpp"

#include <charconv>
#include <string>

namespace varsphere::apps {

CLI::Option* add_seed_option(CLI::App& cmd, std::uint64_t& seed) {
  const CLI::Validator decimal_u64(
      [](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (text.empty() || ec == std::errc::invalid_argument || ptr != end) {
          return "'" + text + "' is not a seed (decimal digits, 0 to 18446744073709551615)";
        }
        if (ec == std::errc::result_out_of_range) {
          return "'" + text + "' is out of range (a seed is at most 18446744073709551615)";
        }
        return {};
      },
      "UINT64");
  return cmd.add_option("--seed", seed, "random seed (0 to 2^64 - 1)")->check(decimal_u64);
}

}  // namespace varsphere::apps
