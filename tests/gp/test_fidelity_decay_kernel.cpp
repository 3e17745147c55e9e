// FidelityDecayKernel (the joint model's kernel over configuration and fidelity, issue 13) against
// independent references: its closed form written out by hand, the study's kernel alone at
// fidelity 1, central finite differences of every hyperparameter and input derivative, and a
// GaussianProcess that wraps and unwraps it with the query tail, its posterior mean recomputed
// from the kernel matrices by hand.
#include "gp_test_helpers.hpp"

#include "fidelity_decay_kernel.hpp"
#include "gaussian_process.hpp"

#include <Eigen/Cholesky>

#include <cmath>

using namespace quante::opt;
using namespace quante::opt::test;

namespace {

std::unique_ptr<FidelityDecayKernel> decay_of(const std::string& final_loss, const std::string& excess) {
  return std::make_unique<FidelityDecayKernel>(kernel_from(final_loss), kernel_from(excess));
}

double matern52(double r) { return (1 + std::sqrt(5.0) * r + 5.0 / 3.0 * r * r) * std::exp(-std::sqrt(5.0) * r); }

}  // namespace

TEST_CASE("FidelityDecay kernel matches its closed form", "[gp][kernel][fidelity]") {
  auto k = decay_of("C(2.0) * RBF(0.5)", "C(0.7) * Matern(nu=2.5, length_scale=0.4) + C(0.3)");
  k->set_dim(3);
  Eigen::MatrixXd a(1, 3), b(1, 3);
  a << 0.1, 0.2, 0.25;  // x = (0.1, 0.2), s = 0.25
  b << 0.4, 0.6, 0.5;
  const double rx2 = (0.3 * 0.3 + 0.4 * 0.4) / 0.25;                        // over x, lengthscale 0.5
  const double r = std::sqrt(0.3 * 0.3 + 0.4 * 0.4 + 0.25 * 0.25) / 0.4;     // over (x, s)
  const double expected = 2.0 * std::exp(-0.5 * rx2) + 0.75 * 0.5 * (0.7 * matern52(r) + 0.3);
  CHECK(k->cross(a, b)(0, 0) == Approx(expected).epsilon(1e-13));
  CHECK(k->diag(a)(0) == Approx(2.0 + 0.75 * 0.75 * 1.0).epsilon(1e-13));
  CHECK(k->structure() == "FidelityDecay(Product(Constant,RBF),Sum(Product(Constant,Matern(2.5)),Constant))");
}

TEST_CASE("At fidelity 1 the FidelityDecay kernel is the study's kernel on the configuration", "[gp][kernel][fidelity]") {
  auto k = FidelityDecayKernel::around(kernel_from("C(1.3) * Matern(nu=2.5) + WhiteKernel(0.05)"));
  k->set_dim(4);
  scramble_hyperparameters(*k, 3);
  auto plain = kernel_from("C(1.3) * Matern(nu=2.5) + WhiteKernel(0.05)");
  plain->set_dim(3);
  // The same hyperparameters: the final-loss kernel's come first in the visitor's order.
  const Eigen::VectorXd theta = k->log_values();
  plain->set_log_values(theta.head(plain->num_hyperparameters()));
  Eigen::MatrixXd X = random_points(5, 4, 7);
  const Eigen::MatrixXd Y = random_points(3, 4, 8);
  Eigen::MatrixXd Yfull = Y;
  Yfull.col(3).setOnes();
  CHECK(k->cross(X, Yfull).isApprox(plain->cross(X.leftCols(3), Y.leftCols(3)), 1e-13));
  // The noise enters once, unweighted, whatever the fidelity.
  const Eigen::MatrixXd noise = plain->train(X.leftCols(3)) - plain->cross(X.leftCols(3), X.leftCols(3));
  REQUIRE(noise(0, 0) > 0.0);
  CHECK((k->train(X) - k->cross(X, X)).isApprox(noise, 1e-12));
  // Lengthscale groups: the configuration's go to the final-loss kernel, all to the excess.
  k->set_input_groups({0, 1, 1, 2});
  int lengthscales = 0;
  k->for_each_hyperparameter([&](const Hyperparameter& h) { lengthscales += h.name.rfind("length_scale", 0) == 0; });
  CHECK(lengthscales == 2 + 3);
}

TEST_CASE("FidelityDecay derivatives match finite differences", "[gp][kernel][fidelity]") {
  auto k = FidelityDecayKernel::around(kernel_from("C(1.5) * Matern(nu=2.5) + WhiteKernel(0.01)"));
  k->set_dim(3);
  scramble_hyperparameters(*k, 5);
  SECTION("hyperparameter contraction") {
    const Eigen::MatrixXd X = random_points(7, 3, 11);
    Eigen::MatrixXd W = random_points(7, 7, 12, -1.0, 1.0);
    W = (W + W.transpose()).eval();
    check_hyperparameter_gradient(*k, X, W);
  }
  SECTION("input gradients, the fidelity column included") {
    const Eigen::MatrixXd X2 = random_points(5, 3, 21);
    const Eigen::VectorXd x = random_points(1, 3, 22).row(0).transpose();
    check_input_gradient(*k, x, X2);
    auto fd = [&](const Eigen::VectorXd& p) { return k->diag(p.transpose())(0); };
    require_close(k->diag_gradient(x), central_difference(fd, x, 1e-6), 1e-6, 1e-8);
    CHECK(k->diag(X2).isApprox(k->cross(X2, X2).diagonal(), 1e-12));
  }
}

TEST_CASE("The GP wraps its kernel in FidelityDecay while a fidelity tail is set", "[gp][fidelity]") {
  GpOptions options;
  options.fidelity_kernel = FidelityKernel::Decay;
  options.restarts = 1;
  GaussianProcess gp(options);
  // Curves y = f(x) + (1 - s) (0.5 + x1), at s = 0, 1/2 and (every other configuration) 1.
  const Eigen::MatrixXd configs = random_points(8, 2, 31);
  Eigen::MatrixXd X(20, 3);
  Eigen::VectorXd y(20);
  Eigen::Index row = 0;
  for (Eigen::Index i = 0; i < configs.rows(); ++i) {
    for (double s : {0.0, 0.5, 1.0}) {
      if (s == 1.0 && i % 2 == 1) continue;
      X.row(row) << configs(i, 0), configs(i, 1), s;
      y(row++) = std::pow(configs(i, 0) - 0.4, 2) + configs(i, 1) + (1 - s) * (0.5 + configs(i, 1));
    }
  }
  REQUIRE(row == 20);
  gp.set_query_tail(Eigen::VectorXd::Ones(1));
  gp.fit(X, y, 3);
  REQUIRE(gp.kernel().structure().rfind("FidelityDecay(", 0) == 0);
  // The mean at (x, 1) by hand: k((x, 1), X) K^-1 z with K the kernel's training matrix.
  const Eigen::MatrixXd q = random_points(3, 2, 32);
  const Eigen::MatrixXd K = gp.kernel().train(X) + gp.jitter() * Eigen::MatrixXd::Identity(20, 20);
  const Eigen::MatrixXd kq = gp.kernel().cross(gp.with_tail(q), X);
  const Eigen::VectorXd by_hand = kq * K.llt().solve(gp.targets());
  require_close(gp.posterior(q).mean, by_hand, 1e-8, 1e-10);
  // Without the tail the study's kernel comes back.
  gp.set_query_tail({});
  Eigen::MatrixXd Xfull(4, 2);
  Eigen::VectorXd yfull(4);
  for (Eigen::Index i = 0; i < 4; ++i) {
    Xfull.row(i) = configs.row(2 * i);
    yfull(i) = y(5 * i + 2);
  }
  gp.fit(Xfull, yfull, 4);
  CHECK(gp.kernel().structure() == "Sum(Product(Constant,Matern(2.5)),White)");
  CHECK(gp.posterior(q).mean.size() == 3);
}
