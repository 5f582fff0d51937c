// Reference values from geomstats 2.8.0 on (S²)^8 (tests/data/gs_geod_d3_n8.*): log, exp,
// parallel transport, distances and geodesic samples must match to 1e-12.
#include <doctest/doctest.h>

#include <varsphere/manifolds/product.hpp>

#include "support/reference_case.hpp"

using namespace varsphere;
using namespace varsphere::testing;

TEST_CASE("geomstats reference case gs_geod_d3_n8") {
  const Eigen::MatrixXd X0 = read_points_case("gs_geod_d3_n8.x0.mat");
  const Eigen::MatrixXd X1 = read_points_case("gs_geod_d3_n8.x1.mat");
  const Eigen::MatrixXd V = read_points_case("gs_geod_d3_n8.v.mat");
  REQUIRE(X0.rows() == 3);
  REQUIRE(X0.cols() == 8);
  constexpr double tol = 1e-12;

  CHECK((product::log(X0, X1) - read_points_case("gs_geod_d3_n8.log_x0_x1.mat"))
            .cwiseAbs()
            .maxCoeff() <= tol);
  CHECK((product::exp(X0, V) - read_points_case("gs_geod_d3_n8.exp_x0_v.mat"))
            .cwiseAbs()
            .maxCoeff() <= tol);
  CHECK(
      (product::transport(X0, X1, V) - read_points_case("gs_geod_d3_n8.ptransport_v_x0_to_x1.mat"))
          .cwiseAbs()
          .maxCoeff() <= tol);

  const Eigen::VectorXd per_token = read_series("gs_geod_d3_n8.dist_per_particle.series");
  CHECK((product::token_distances(X0, X1) - per_token).cwiseAbs().maxCoeff() <= tol);
  const Eigen::VectorXd total = read_series("gs_geod_d3_n8.dist_product.series");
  CHECK(std::abs(product::distance(X0, X1) - total(0)) <= tol);

  const ReferenceTrajectory geo = read_traj("gs_geod_d3_n8.geodesic.traj");
  REQUIRE(geo.frames.size() == 11);
  for (std::size_t k = 0; k < geo.frames.size(); ++k) {
    CAPTURE(geo.times[k]);
    CHECK((product::geodesic(X0, X1, geo.times[k]) - geo.frames[k]).cwiseAbs().maxCoeff() <= tol);
  }
}
