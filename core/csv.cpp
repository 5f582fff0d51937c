#include <varsphere/core/csv.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <charconv>
#include <cstring>
#include <limits>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <varsphere/core/atomic_file.hpp>
#include <varsphere/core/error.hpp>
#include <varsphere/core/configuration.hpp>
#include <vector>

namespace varsphere {

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

double parse_number(std::string_view field, const std::string& where) {
  const std::string_view f = trim(field);
  std::string_view digits = f;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);  // from_chars rejects '+'
  double value = 0.0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (f.empty() || end != digits.data() + digits.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    throw IoError(where + ": '" + std::string(f) + "' is not a number");
  }
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves the value unset: strtod tells overflow (±HUGE_VAL) from an underflow,
    // which rounds to zero or a subnormal as IEEE arithmetic would.
    const std::string text(digits);
    value = std::strtod(text.c_str(), nullptr);
    if (std::isinf(value)) {
      throw IoError(where + ": '" + std::string(f) +
                    "' is out of the range of a double (|x| <= 1.8e308)");
    }
  }
  return value;
}

void write_rows(std::ostream& out, const Eigen::Ref<const Eigen::MatrixXd>& M, bool transpose) {
  const Eigen::Index rows = transpose ? M.cols() : M.rows();
  const Eigen::Index cols = transpose ? M.rows() : M.cols();
  char buffer[64];
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < cols; ++c) {
      const double v = transpose ? M(c, r) : M(r, c);
      const auto res =
          std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::general, 17);
      if (c) out << ',';
      out.write(buffer, res.ptr - buffer);
    }
    out << '\n';
  }
}

}  // namespace

void require_regular_input(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw IoError("cannot read '" + name + "': no such file");
  if (std::filesystem::is_directory(status)) {
    throw IoError("cannot read '" + name + "': it is a directory");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw IoError("cannot read '" + name + "': not a regular file (a pipe or a device)");
  }
}

Eigen::MatrixXd read_csv_matrix(const std::filesystem::path& path) {
  const std::string name = path.string();
  require_regular_input(path);
  std::ifstream in(path);
  if (!in) throw IoError("cannot read '" + name + "': " + std::strerror(errno));
  return read_csv_matrix(in, name, 0);
}

Eigen::MatrixXd read_csv_matrix(std::istream& in, const std::string& name,
                                std::size_t lines_before) {
  std::vector<std::vector<double>> rows;
  std::string line;
  std::size_t line_no = lines_before;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) continue;
    std::vector<double> row;
    std::string_view rest(line);
    std::size_t field_no = 0;
    while (true) {
      ++field_no;
      const auto comma = rest.find(',');
      const std::string where =
          name + ":" + std::to_string(line_no) + ": field " + std::to_string(field_no);
      row.push_back(parse_number(rest.substr(0, comma), where));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (!rows.empty() && row.size() != rows.front().size()) {
      throw IoError(name + ":" + std::to_string(line_no) + ": " + std::to_string(row.size()) +
                    " values but earlier rows have " + std::to_string(rows.front().size()) +
                    " (ragged rows)");
    }
    rows.push_back(std::move(row));
  }
  if (in.bad()) throw IoError("cannot read '" + name + "': read error");
  if (rows.empty()) throw IoError("cannot read '" + name + "': the file holds no numbers");

  Eigen::MatrixXd M(static_cast<Eigen::Index>(rows.size()),
                    static_cast<Eigen::Index>(rows.front().size()));
  for (Eigen::Index r = 0; r < M.rows(); ++r) {
    for (Eigen::Index c = 0; c < M.cols(); ++c) M(r, c) = rows[r][c];
  }
  return M;
}

Configuration read_points(const std::filesystem::path& path, double unit_tol) {
  const Eigen::MatrixXd rows = read_csv_matrix(path);
  Configuration X = rows.transpose();
  validate_configuration(X, unit_tol, path.string());
  // Inside the tolerance is accepted, then made unit: every later step and output sees unit
  // tokens (frame 0 of a flow, --T 0 --out-final). Rows already unit to rounding are kept bit
  // for bit, so that written points read back exactly.
  for (Eigen::Index i = 0; i < X.cols(); ++i) {
    const double norm = X.col(i).norm();
    if (std::abs(norm - 1.0) > 4 * std::numeric_limits<double>::epsilon()) X.col(i) /= norm;
  }
  return X;
}

Eigen::MatrixXd read_square_matrix(const std::filesystem::path& path, Eigen::Index d) {
  Eigen::MatrixXd M = read_csv_matrix(path);
  if (M.rows() != d || M.cols() != d) {
    std::ostringstream msg;
    msg << path.string() << ": expected a " << d << "x" << d << " matrix, found " << M.rows() << "x"
        << M.cols();
    throw InvalidInput(msg.str());
  }
  validate_finite(M, path.string());
  return M;
}

void write_csv_matrix(const std::filesystem::path& path,
                      const Eigen::Ref<const Eigen::MatrixXd>& M) {
  write_text_atomically(path, [&](std::ostream& out) { write_rows(out, M, false); });
}

void write_points(const std::filesystem::path& path, const Eigen::Ref<const Eigen::MatrixXd>& X) {
  write_text_atomically(path, [&](std::ostream& out) { write_rows(out, X, true); });
}

}  // namespace varsphere
