// Grouped lengthscales (issue 14, mixed spaces): a categorical's one-hot block shares one
// lengthscale. Checked against the closed form with the block's distance written out, and every
// derivative (hyperparameters, inputs) against central differences; a kernel string written with
// grouped lengthscales reads back with them.
#include "gp_test_helpers.hpp"

#include "matern_kernel.hpp"

#include <cmath>

using namespace quante::opt;
using namespace quante::opt::test;

namespace {

// A float, a 3-choice categorical, an int, a 2-choice categorical: 7 coordinates, 4 groups.
const std::vector<int> kGroups = {0, 1, 1, 1, 2, 3, 3};

const char* const kKernels[] = {
    "Matern(nu=2.5)",
    "Matern(nu=0.5)",
    "RBF()",
    "C(1.5) * Matern(nu=2.5) + WhiteKernel(0.01)",
    "(RBF() + C(0.5)) * Matern(nu=1.5) + WhiteKernel()",
};

// Relaxed points (one-hot blocks anywhere in [0,1], as L-BFGS-B sees them).
Eigen::MatrixXd relaxed(Eigen::Index n, std::uint64_t seed) { return random_points(n, 7, seed); }

}  // namespace

TEST_CASE("Grouped lengthscales: one per group, and the closed form", "[gp][kernel][mixed]") {
  MaternKernel k(2.5, {1.0});
  k.set_input_groups(kGroups);
  REQUIRE(k.num_hyperparameters() == 4);
  Eigen::VectorXd theta(4);
  const double l[4] = {0.5, 2.0, 0.7, 1.3};
  for (int g = 0; g < 4; ++g) theta(g) = std::log(l[g]);
  k.set_log_values(theta);
  Eigen::MatrixXd a(1, 7), b(1, 7);
  a << 0.1, 1, 0, 0, 0.2, 0, 1;
  b << 0.4, 0, 0, 1, 0.9, 0, 1;
  // r^2 = (0.3/0.5)^2 + 2/2^2 (choice 0 vs 2) + (0.7/0.7)^2 + 0 (same choice).
  const double r = std::sqrt(0.36 + 0.5 + 1.0);
  CHECK(k.cross(a, b)(0, 0) ==
        Approx((1 + std::sqrt(5.0) * r + 5.0 / 3.0 * r * r) * std::exp(-std::sqrt(5.0) * r)).epsilon(1e-14));
  // Any two different choices of the categorical are equally far apart.
  Eigen::MatrixXd c = b;
  c.block(0, 1, 1, 3) << 0, 1, 0;
  CHECK(k.cross(a, c)(0, 0) == Approx(k.cross(a, b)(0, 0)).epsilon(1e-14));
  // Back to plain ARD when every coordinate is its own group, and on set_dim of another width.
  k.set_input_groups({0, 1, 2});
  CHECK(k.num_hyperparameters() == 3);
  k.set_input_groups(kGroups);
  k.set_dim(5);
  CHECK(k.num_hyperparameters() == 5);
  CHECK_THROWS_AS(k.set_input_groups({0, 2, 1}), std::invalid_argument);
}

TEST_CASE("Grouped lengthscales: hyperparameter gradient matches finite differences", "[gp][kernel][mixed]") {
  const Eigen::MatrixXd X = relaxed(8, 31);
  Eigen::MatrixXd W = random_points(8, 8, 32, -1.0, 1.0);
  W = (W + W.transpose()).eval();
  for (const char* text : kKernels) {
    SECTION(text) {
      auto k = kernel_from(text);
      k->set_input_groups(kGroups);
      scramble_hyperparameters(*k, 7);
      check_hyperparameter_gradient(*k, X, W);
    }
  }
}

TEST_CASE("Grouped lengthscales: input gradient matches finite differences", "[gp][kernel][mixed]") {
  const Eigen::MatrixXd X2 = relaxed(5, 41);
  const Eigen::VectorXd x = relaxed(1, 42).row(0).transpose();
  for (const char* text : kKernels) {
    SECTION(text) {
      auto k = kernel_from(text);
      k->set_input_groups(kGroups);
      scramble_hyperparameters(*k, 8);
      REQUIRE(x.size() == 7);
      check_input_gradient(*k, x, X2);
    }
  }
}

TEST_CASE("Grouped lengthscales: the kernel string reads back", "[gp][kernel][mixed]") {
  auto k = kernel_from("C(1.5) * Matern(nu=2.5) + WhiteKernel(0.01)");
  k->set_input_groups(kGroups);
  scramble_hyperparameters(*k, 9);
  auto back = kernel_from(k->to_string());
  back->set_input_groups(kGroups);
  const Eigen::MatrixXd X = relaxed(6, 51);
  CHECK(back->cross(X, X).isApprox(k->cross(X, X), 1e-4));  // the string carries short numbers
  // A list of one lengthscale per coordinate does not fit the groups.
  auto wrong = kernel_from("Matern(length_scale=[1, 1, 1, 1, 1, 1, 1], nu=2.5)");
  CHECK_THROWS_AS(wrong->set_input_groups(kGroups), std::invalid_argument);
}
