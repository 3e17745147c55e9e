// Multivariate normal CDF against independent references: products of Phi for independent
// coordinates, the orthant formula 1/4 + asin(rho)/(2 pi), the bivariate closed form, and the
// equicorrelated orthant probability.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "mvn_cdf.hpp"
#include "normal.hpp"

using namespace quante::opt;

TEST_CASE("MVN CDF: the independent case is a product of Phi", "[mvn]") {
  for (int m : {1, 2, 3, 5, 8, 10}) {
    Eigen::VectorXd b(m);
    Eigen::VectorXd sd(m);
    for (int i = 0; i < m; ++i) {
      b[i] = -0.5 + 0.3 * i;
      sd[i] = 0.5 + 0.1 * i;
    }
    Eigen::MatrixXd cov = sd.array().square().matrix().asDiagonal();
    double expected = 1.0;
    for (int i = 0; i < m; ++i) expected *= normal_cdf(b[i] / sd[i]);
    const MvnCdfResult r = mvn_cdf(b, cov, 11);
    CHECK(r.value == Approx(expected).margin(1e-6));
  }
}

TEST_CASE("MVN CDF: bivariate closed form against the orthant formula and Genz", "[mvn]") {
  for (double rho : {-0.99, -0.9, -0.5, 0.0, 0.2, 0.6, 0.93, 0.999}) {
    CHECK(bivariate_normal_cdf(0.0, 0.0, rho) ==
          Approx(0.25 + std::asin(rho) / (2.0 * std::numbers::pi)).margin(1e-14));
  }
  MvnCdfOptions genz_only;
  genz_only.closed_forms = false;
  genz_only.abs_tolerance = 1e-7;
  genz_only.max_points = 1 << 16;
  for (double rho : {-0.95, -0.4, 0.3, 0.8, 0.97}) {
    for (auto hk : {std::pair{-1.0, 0.5}, std::pair{0.3, 1.7}, std::pair{-2.0, -1.5}}) {
      Eigen::VectorXd b(2);
      b << hk.first, hk.second;
      Eigen::MatrixXd cov(2, 2);
      cov << 1.0, rho, rho, 1.0;
      const double closed = bivariate_normal_cdf(hk.first, hk.second, rho);
      const MvnCdfResult g = mvn_cdf(b, cov, 5, genz_only);
      CHECK(g.value == Approx(closed).margin(std::max(1e-6, g.error)));
    }
  }
  // Limits: rho = 0 is the product, rho -> 1 is Phi(min(h, k)).
  CHECK(bivariate_normal_cdf(0.4, -0.3, 0.0) == Approx(normal_cdf(0.4) * normal_cdf(-0.3)).margin(1e-15));
  CHECK(bivariate_normal_cdf(0.4, -0.3, 1.0) == Approx(normal_cdf(-0.3)).margin(1e-12));
}

TEST_CASE("MVN CDF: equicorrelated orthant probabilities", "[mvn]") {
  // rho = 1/2: P(X <= 0) = 1 / (m + 1) (exchangeable order statistics argument).
  for (int m : {3, 4, 6, 9}) {
    Eigen::MatrixXd cov = Eigen::MatrixXd::Constant(m, m, 0.5);
    cov.diagonal().setOnes();
    const MvnCdfResult r = mvn_cdf(Eigen::VectorXd::Zero(m), cov, 3);
    CHECK(r.value == Approx(1.0 / (m + 1)).margin(std::max(2e-5, r.error)));
  }
  // Trivariate orthant: 1/8 + (asin r12 + asin r13 + asin r23) / (4 pi).
  Eigen::MatrixXd cov(3, 3);
  cov << 1.0, 0.3, -0.2, 0.3, 1.0, 0.6, -0.2, 0.6, 1.0;
  const double expected = 0.125 + (std::asin(0.3) + std::asin(-0.2) + std::asin(0.6)) / (4.0 * std::numbers::pi);
  const MvnCdfResult r = mvn_cdf(Eigen::VectorXd::Zero(3), cov, 9);
  CHECK(r.value == Approx(expected).margin(2e-5));
  // Infinite limits integrate out; -infinity gives zero.
  Eigen::VectorXd b(3);
  b << 0.0, INFINITY, 0.0;
  CHECK(mvn_cdf(b, cov, 1).value == Approx(bivariate_normal_cdf(0.0, 0.0, -0.2)).margin(1e-14));
  b[1] = -INFINITY;
  CHECK(mvn_cdf(b, cov, 1).value == 0.0);
}
