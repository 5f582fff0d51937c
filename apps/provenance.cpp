#include "provenance.hpp"

#include <varsphere/core/version.hpp>

namespace varsphere::apps {

namespace {
std::string& stored_command_line() {
  static std::string line;
  return line;
}

}  // namespace

nlohmann::json matrix_json(const Eigen::MatrixXd& M) {
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index r = 0; r < M.rows(); ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (Eigen::Index c = 0; c < M.cols(); ++c) row.push_back(M(r, c));
    rows.push_back(row);
  }
  return rows;
}

namespace {
std::string file_or_identity(const std::string& path) { return path.empty() ? "identity" : path; }
}  // namespace

void set_command_line(int argc, char** argv) {
  std::string line;
  for (int k = 0; k < argc; ++k) {
    const std::string arg = argv[k];
    if (!line.empty()) line += ' ';
    line += arg.find(' ') == std::string::npos ? arg : "'" + arg + "'";
  }
  stored_command_line() = line;
}

const std::string& command_line() { return stored_command_line(); }

nlohmann::json provenance_json(const std::string& object) {
  return {{"varsphere_version", version()}, {"command_line", command_line()}, {"object", object}};
}

nlohmann::json model_json(const AttentionFlags& flags, const AttentionModel& model) {
  return {{"model", flags.model},       {"beta", flags.beta},
          {"norm", flags.norm},         {"sign", flags.sign},
          {"qk", file_or_identity(flags.qk)}, {"v", file_or_identity(flags.v)},
          {"A", matrix_json(model.A)},  {"V", matrix_json(model.V)},
          {"mask", flags.mask},         {"alibi", flags.alibi},
          {"bias", flags.bias.empty() ? std::string("none") : flags.bias}};
}

TrajectoryAttributes provenance_attributes(const std::string& object) {
  return {{"varsphere_version", std::string(version())},
          {"command_line", command_line()},
          {"object", object}};
}

TrajectoryAttributes model_attributes(const AttentionFlags& flags, const AttentionModel& model) {
  return {{"model", flags.model},
          {"beta", flags.beta},
          {"norm", flags.norm},
          {"sign", flags.sign},
          {"qk", file_or_identity(flags.qk)},
          {"v", file_or_identity(flags.v)},
          {"A", model.A},
          {"V", model.V},
          {"mask", flags.mask},
          {"alibi", flags.alibi},
          {"bias", flags.bias.empty() ? std::string("none") : flags.bias}};
}

}  // namespace varsphere::apps
