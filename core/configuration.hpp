// A configuration of n tokens on S^{d-1}: a d×n matrix, one column per token (docs/math.md §0).
//
// The type is a plain Eigen matrix so that every Eigen expression and Map works on it; the
// invariant (finite, unit columns, d ≥ 2, n ≥ 1) is established by validate_configuration()
// at every boundary where data enters from a user.
#pragma once

#include <Eigen/Core>
#include <string>

namespace varsphere {

/// d×n, column i is token x_i ∈ S^{d-1}.
using Configuration = Eigen::MatrixXd;

/// Default tolerance on |‖x_i‖ − 1| for data coming from users (README.md, "Command line").
inline constexpr double kUnitTolerance = 1e-6;

/// Throws InvalidInput naming the first problem found: d < 2, n < 1, a non-finite entry
/// (token and coordinate named), or a column whose norm differs from 1 by more than `unit_tol`.
/// `what` prefixes the message (e.g. the file name the data came from).
void validate_configuration(const Eigen::Ref<const Eigen::MatrixXd>& X,
                            double unit_tol = kUnitTolerance,
                            const std::string& what = "configuration");

/// Throws InvalidInput unless every entry of M is finite; `what` prefixes the message.
void validate_finite(const Eigen::Ref<const Eigen::MatrixXd>& M, const std::string& what);
/// Throws InvalidInput "<what>: must be symmetric" unless M is square and
/// max|M − Mᵀ| ≤ 1e-12·max(1, max|M|) (rounding in a file or a product is tolerated).
void validate_symmetric(const Eigen::Ref<const Eigen::MatrixXd>& M, const std::string& what);

/// Each column divided by its norm; throws InvalidInput on a zero or non-finite column.
Configuration normalize_columns(const Eigen::Ref<const Eigen::MatrixXd>& X);
/// The same in place and unchecked (a zero column becomes NaN): for inner loops whose input is
/// already known to be finite and nonzero, e.g. a Runge–Kutta stage near the sphere.
void normalize_columns_in_place(Eigen::Ref<Eigen::MatrixXd> X);

}  // namespace varsphere
