// Typed errors of varsphere. Every failure a user can cause or meet is one of these, with a
// message that names the problem in one line (the command-line tool prints it as is).
#pragma once

#include <stdexcept>
#include <string>

namespace varsphere {

/// Base of every error varsphere throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Input that violates a documented precondition: wrong shape, NaN, non-unit token, d < 2, ...
class InvalidInput : public Error {
 public:
  using Error::Error;
};

/// A file could not be opened, read, parsed or written.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A request this machine cannot serve: more memory than is available, more steps than the
/// budget allows. Raised before the work starts, naming the size and the option that sets it.
class ResourceLimit : public Error {
 public:
  using Error::Error;
};

/// log / parallel transport / inverse retraction asked for at (or numerically at) the cut locus,
/// where the result is not defined. Raised instead of returning NaN or an arbitrary vector.
class CutLocusError : public Error {
 public:
  using Error::Error;
};

}  // namespace varsphere
