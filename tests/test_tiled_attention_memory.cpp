// Memory bound of the tiled kernel (issue 17): one SA field evaluation and the energy diagnostics
// at n = 16384, d = 16 raise the peak resident set by far less than one n×n matrix of doubles
// (2 GiB), measured by getrusage in a process that does nothing else (a CTest entry of its own).
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <varsphere/core/random.hpp>
#include <varsphere/functionals/attention_energy.hpp>
#include <varsphere/functionals/attention_field.hpp>
#include <varsphere/manifolds/product.hpp>
#include <varsphere/solvers/clusters.hpp>

using namespace varsphere;

namespace {
double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}
}  // namespace

TEST_CASE("n = 16384: field, energy and diagnostics in O(nd) memory") {
  const Eigen::Index d = 16, n = 16384;
  Rng rng(1);
  const Eigen::MatrixXd X = product::random_point(rng, d, n);
  const AttentionField field = AttentionField::identity(d, {});
  Eigen::MatrixXd F(d, n);
  AttentionWorkspace ws;
  const double before = peak_rss_mib();
  field.velocity(0.0, X, F, ws);
  const double energy = attention_energy(X, Eigen::MatrixXd::Identity(d, d), 1.0);
  const double log_energy = attention_log_energy(X, Eigen::MatrixXd::Identity(d, d), 1.0);
  const double min_inner = min_pairwise_inner_product(X);
  const double growth = peak_rss_mib() - before;
  MESSAGE("peak RSS growth " << growth << " MiB (one n x n matrix: 2048 MiB)");
  CHECK(F.allFinite());
  CHECK(std::log(energy) == doctest::Approx(log_energy).epsilon(1e-12));
  CHECK(min_inner >= -1.0);
  CHECK(growth < 64.0);
}
