// Sobol sequence against the published (Joe & Kuo, unscrambled) points; scrambling and the normal
// transform.
#include <catch2/catch.hpp>

#include "normal.hpp"
#include "sobol.hpp"

using namespace quante::opt;

TEST_CASE("Sobol: the first points match the published sequence", "[sobol]") {
  SobolSequence s(3);
  const Eigen::MatrixXd x = s.draw(8);
  // scipy.stats.qmc.Sobol(d=3, scramble=False).random(8), from new-joe-kuo-6.21201.
  const double expected[8][3] = {{0, 0, 0},           {0.5, 0.5, 0.5},     {0.75, 0.25, 0.25},
                                 {0.25, 0.75, 0.75},  {0.375, 0.375, 0.625}, {0.875, 0.875, 0.125},
                                 {0.625, 0.125, 0.875}, {0.125, 0.625, 0.375}};
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 3; ++j) CHECK(x(i, j) == Approx(expected[i][j]).margin(1e-15));
}

TEST_CASE("Sobol: each dimension's first 2^k points are a permutation of the k-bit grid", "[sobol]") {
  SobolSequence s(SobolSequence::max_dim);
  const Eigen::MatrixXd x = s.draw(64);
  for (int j = 0; j < SobolSequence::max_dim; ++j) {
    std::vector<int> seen(64, 0);
    for (int i = 0; i < 64; ++i) {
      const double v = x(i, j) * 64.0;
      REQUIRE(v == std::floor(v));
      ++seen[static_cast<std::size_t>(v)];
    }
    for (int c : seen) CHECK(c == 1);
  }
}

TEST_CASE("Sobol: scrambled points stay a (0,m,1)-net per dimension and depend on the seed",
          "[sobol]") {
  const Eigen::MatrixXd a = sobol_points(32, 5, 7);
  const Eigen::MatrixXd b = sobol_points(32, 5, 7);
  const Eigen::MatrixXd c = sobol_points(32, 5, 8);
  CHECK(a == b);
  CHECK((a - c).cwiseAbs().maxCoeff() > 1e-3);
  for (int j = 0; j < 5; ++j) {
    std::vector<int> seen(32, 0);
    for (int i = 0; i < 32; ++i) ++seen[static_cast<std::size_t>(a(i, j) * 32.0)];
    for (int v : seen) CHECK(v == 1);
  }
}

TEST_CASE("Sobol: the normal transform has mean 0 and variance 1", "[sobol]") {
  const Eigen::MatrixXd z = sobol_normal(4096, 6, 3);
  for (int j = 0; j < 6; ++j) {
    CHECK(z.col(j).mean() == Approx(0.0).margin(5e-3));
    CHECK((z.col(j).array().square().mean()) == Approx(1.0).margin(1e-2));
  }
  const Eigen::MatrixXd d = space_filling_design(10, 4, 1);
  CHECK(d.minCoeff() > 0.0);
  CHECK(d.maxCoeff() < 1.0);
}

TEST_CASE("Normal quantile inverts the CDF", "[normal]") {
  for (double p : {1e-300, 1e-20, 1e-8, 0.001, 0.02425, 0.1, 0.5, 0.7, 0.975, 0.999999}) {
    CHECK(normal_cdf(normal_quantile(p)) == Approx(p).epsilon(1e-12));
  }
  CHECK(normal_quantile(0.975) == Approx(1.959963984540054).epsilon(1e-14));
  CHECK(normal_log_cdf(-35.0) == Approx(std::log(0.5 * std::erfc(35.0 / std::sqrt(2.0)))).epsilon(1e-10));
}
