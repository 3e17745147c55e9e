// Kernel values against closed forms, and every analytic derivative against central differences:
// the hyperparameter contraction <W, dK/dtheta_j>, the input gradient of k(x, X2) and the total
// derivative of k(x, x).
#include "gp_test_helpers.hpp"

#include "constant_kernel.hpp"
#include "matern_kernel.hpp"
#include "rbf_kernel.hpp"
#include "white_kernel.hpp"

#include <cmath>

using namespace quante::opt;
using namespace quante::opt::test;

namespace {

const char* const kKernels[] = {
    "Matern(nu=0.5)",
    "Matern(nu=1.5)",
    "Matern(nu=2.5)",
    "RBF()",
    "DotProduct()",
    "ConstantKernel(2.0)",
    "WhiteKernel(0.1)",
    "C(1.5) * Matern(nu=2.5) + WhiteKernel(0.01)",
    "RBF() * DotProduct() + Matern(nu=1.5)",
    "(RBF() + C(0.5)) * Matern(nu=0.5) + WhiteKernel()",
    "DotProduct() * DotProduct() * C(0.3)",
};

}  // namespace

TEST_CASE("Matern and RBF match their closed forms", "[gp][kernel]") {
  Eigen::MatrixXd a(1, 2), b(1, 2);
  a << 0.1, 0.2;
  b << 0.4, 0.6;
  // lengthscales 0.5 and 2: r^2 = (0.3/0.5)^2 + (0.4/2)^2 = 0.36 + 0.04.
  const double r = std::sqrt(0.40);
  const std::vector<double> l{0.5, 2.0};
  CHECK(MaternKernel(0.5, l).cross(a, b)(0, 0) == Approx(std::exp(-r)).epsilon(1e-14));
  CHECK(MaternKernel(1.5, l).cross(a, b)(0, 0) ==
        Approx((1 + std::sqrt(3.0) * r) * std::exp(-std::sqrt(3.0) * r)).epsilon(1e-14));
  CHECK(MaternKernel(2.5, l).cross(a, b)(0, 0) ==
        Approx((1 + std::sqrt(5.0) * r + 5.0 / 3.0 * r * r) * std::exp(-std::sqrt(5.0) * r))
            .epsilon(1e-14));
  CHECK(RbfKernel(l).cross(a, b)(0, 0) == Approx(std::exp(-0.5 * r * r)).epsilon(1e-14));
  CHECK(MaternKernel(2.5, l).cross(a, a)(0, 0) == 1.0);
}

TEST_CASE("WhiteKernel is noise on the training diagonal only", "[gp][kernel]") {
  WhiteKernel white(0.25);
  const Eigen::MatrixXd X = random_points(4, 2, 1);
  CHECK(white.train(X).isApprox(0.25 * Eigen::MatrixXd::Identity(4, 4)));
  CHECK(white.cross(X, X).isZero());
  CHECK(white.diag(X).isZero());
  auto sum = kernel_from("RBF(0.3) + WhiteKernel(0.25)");
  sum->set_dim(2);
  CHECK((sum->train(X) - sum->cross(X, X)).isApprox(0.25 * Eigen::MatrixXd::Identity(4, 4)));
}

TEST_CASE("Hyperparameter gradient contraction matches finite differences", "[gp][kernel]") {
  const Eigen::MatrixXd X = random_points(7, 3, 11);
  Eigen::MatrixXd W = random_points(7, 7, 12, -1.0, 1.0);
  W = (W + W.transpose()).eval();
  for (const char* text : kKernels) {
    SECTION(text) {
      auto k = kernel_from(text);
      k->set_dim(3);
      scramble_hyperparameters(*k, 5);
      check_hyperparameter_gradient(*k, X, W);
    }
  }
}

TEST_CASE("Input gradients match finite differences", "[gp][kernel]") {
  const Eigen::MatrixXd X2 = random_points(5, 3, 21);
  const Eigen::VectorXd x = random_points(1, 3, 22).row(0).transpose();
  for (const char* text : kKernels) {
    SECTION(text) {
      auto k = kernel_from(text);
      k->set_dim(3);
      scramble_hyperparameters(*k, 6);
      check_input_gradient(*k, x, X2);
      auto fd = [&](const Eigen::VectorXd& p) { return k->diag(p.transpose())(0); };
      require_close(k->diag_gradient(x), central_difference(fd, x, 1e-6), 1e-6, 1e-8);
      // diag agrees with the diagonal of cross.
      CHECK(k->diag(X2).isApprox(k->cross(X2, X2).diagonal(), 1e-12));
    }
  }
}

TEST_CASE("Lengthscale lists fix the dimension", "[gp][kernel]") {
  auto k = kernel_from("RBF(length_scale=[0.1, 0.2])");
  k->set_dim(2);
  const Eigen::VectorXd theta = k->log_values();
  REQUIRE(theta.size() == 2);
  CHECK(std::exp(theta(0)) == Approx(0.1));
  CHECK(std::exp(theta(1)) == Approx(0.2));
  CHECK_THROWS_AS(k->set_dim(3), std::invalid_argument);
  auto iso = kernel_from("Matern(length_scale=0.3, nu=2.5)");
  iso->set_dim(4);
  CHECK(iso->num_hyperparameters() == 4);
  CHECK((iso->log_values().array() == std::log(0.3)).all());
}
