// CSV input/output of point sets and matrices (README.md, "File formats").
//
// A point set is one token per row (n rows, d columns), no header; in memory it is the d×n
// Configuration (a transpose away). A d×d matrix is d rows of d numbers. Numbers are written with
// 17 significant digits, so a write/read round trip is exact. Every reader reports the file and
// line of the first problem; every writer is atomic (see atomic_file.hpp).
#pragma once

#include <Eigen/Core>
#include <filesystem>
#include <istream>
#include <string>
#include <varsphere/core/configuration.hpp>

namespace varsphere {

/// Throws IoError unless `path` names an existing regular file (after symbolic links): a missing
/// file, a directory, a FIFO or a device is refused at once, before anything blocks on reading it.
void require_regular_input(const std::filesystem::path& path);

/// Rows × columns exactly as in the file. Blank lines are ignored; separators are commas with
/// optional spaces. Throws IoError for a missing/unreadable/empty file, a ragged row or a field
/// that is not a number or overflows a double, e.g. 1e400 (file:line:field named); a number that
/// underflows (1e-400) rounds to 0 or a subnormal. NaN/inf are parsed (checked by the caller).
Eigen::MatrixXd read_csv_matrix(const std::filesystem::path& path);

/// The same parser on an open stream: `name` is used in messages and `lines_before` is the
/// number of lines already consumed (e.g. a header), so reported line numbers are the file's.
Eigen::MatrixXd read_csv_matrix(std::istream& in, const std::string& name,
                                std::size_t lines_before = 0);

/// A point set (n rows of d numbers) returned as the d×n configuration, validated with
/// validate_configuration(·, unit_tol) so that NaN, d < 2 and non-unit rows are reported; rows
/// accepted within the tolerance are then normalized (rows of norm 1 ± 4ε are kept as they are).
Configuration read_points(const std::filesystem::path& path, double unit_tol = kUnitTolerance);

/// A d×d matrix with finite entries; throws InvalidInput if the shape is not d×d.
Eigen::MatrixXd read_square_matrix(const std::filesystem::path& path, Eigen::Index d);

/// Writes M row by row (atomically).
void write_csv_matrix(const std::filesystem::path& path,
                      const Eigen::Ref<const Eigen::MatrixXd>& M);

/// Writes the d×n configuration X as n rows of d numbers (atomically).
void write_points(const std::filesystem::path& path, const Eigen::Ref<const Eigen::MatrixXd>& X);

}  // namespace varsphere
