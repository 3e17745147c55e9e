// Log marginal likelihood: value against a direct evaluation, gradient (and the hyperprior's)
// against central differences for several kernel compositions.
#include "gp_test_helpers.hpp"

#include "hyperparameter_fit.hpp"
#include "marginal_likelihood.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <numbers>

using namespace quante::opt;
using namespace quante::opt::test;

TEST_CASE("Log marginal likelihood equals the Gaussian log density", "[gp][lml]") {
  auto k = kernel_from("C(1.3) * Matern(nu=2.5, length_scale=0.4) + WhiteKernel(0.05)");
  k->set_dim(2);
  const Eigen::MatrixXd X = random_points(9, 2, 31);
  const Eigen::VectorXd y = random_points(9, 1, 32, -1.0, 1.0).col(0);
  const auto ml = log_marginal_likelihood(*k, X, y, false);
  REQUIRE(ml.has_value());
  const Eigen::MatrixXd K = k->train(X);
  const double expected = -0.5 * y.dot(K.ldlt().solve(y)) - 0.5 * std::log(K.determinant()) -
                          4.5 * std::log(2.0 * std::numbers::pi);
  CHECK(ml->value == Approx(expected).epsilon(1e-10));
  CHECK(ml->jitter == 0.0);
}

TEST_CASE("Log marginal likelihood gradient matches finite differences", "[gp][lml]") {
  const char* const kernels[] = {
      "C(1.0) * Matern(nu=2.5) + WhiteKernel()",
      "C(0.7) * Matern(nu=1.5) + WhiteKernel(0.1)",
      "C(2.0) * Matern(nu=0.5) + WhiteKernel(0.02)",
      "C(1.0) * RBF() + WhiteKernel(0.05)",
      "DotProduct() + WhiteKernel(0.1)",
      "C(1.0) * RBF() * DotProduct() + C(0.5) * Matern(nu=2.5) + WhiteKernel(0.01)",
  };
  const Eigen::MatrixXd X = random_points(12, 3, 41);
  Eigen::VectorXd y(12);
  for (Eigen::Index i = 0; i < 12; ++i) {
    y(i) = std::sin(5.0 * X(i, 0)) + X(i, 1) * X(i, 2) - 0.3;
  }
  for (const char* text : kernels) {
    SECTION(text) {
      auto k = kernel_from(text);
      k->set_dim(3);
      scramble_hyperparameters(*k, 42);
      const Eigen::VectorXd theta = k->log_values();
      const auto ml = log_marginal_likelihood(*k, X, y, true);
      REQUIRE(ml.has_value());
      REQUIRE(ml->jitter == 0.0);
      auto f = [&](const Eigen::VectorXd& t) {
        k->set_log_values(t);
        return log_marginal_likelihood(*k, X, y, false)->value;
      };
      const Eigen::VectorXd numeric = central_difference(f, theta, 1e-6);
      require_close(ml->gradient, numeric, 1e-5, 1e-6);

      k->set_log_values(theta);
      Eigen::VectorXd prior_grad = Eigen::VectorXd::Zero(theta.size());
      log_hyperprior(*k, &prior_grad);
      auto p = [&](const Eigen::VectorXd& t) {
        k->set_log_values(t);
        return log_hyperprior(*k, nullptr);
      };
      require_close(prior_grad, central_difference(p, theta, 1e-6), 1e-6, 1e-8);
    }
  }
}
