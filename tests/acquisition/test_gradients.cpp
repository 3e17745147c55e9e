// Gradients of MC qEI and qLogEI w.r.t. the posterior mean and covariance against central finite
// differences (with the base samples held fixed, the estimators are smooth functions).
#include <catch2/catch.hpp>

#include <functional>

#include "acquisition_helpers.hpp"
#include "qei_monte_carlo.hpp"
#include "qlogei.hpp"
#include "reparameterisation.hpp"
#include "sobol.hpp"

using namespace quante::opt;
using namespace quante::opt::testing;

namespace {

using Acq = std::function<McAcquisition(const Eigen::VectorXd&, const Eigen::MatrixXd&, bool)>;

void check_gradients(const Acq& acq, const JointPosterior& p, double h, double tol) {
  const McAcquisition g = acq(p.mean, p.cov, true);
  const int q = static_cast<int>(p.mean.size());
  for (int i = 0; i < q; ++i) {
    Eigen::VectorXd up = p.mean, dn = p.mean;
    up[i] += h;
    dn[i] -= h;
    const double fd = (acq(up, p.cov, false).value - acq(dn, p.cov, false).value) / (2 * h);
    CHECK(g.grad_mean[i] == Approx(fd).margin(tol).epsilon(tol));
  }
  for (int i = 0; i < q; ++i) {
    for (int j = 0; j <= i; ++j) {
      // A symmetric perturbation of (i, j) and (j, i) changes the value by G_ij + G_ji.
      Eigen::MatrixXd up = p.cov, dn = p.cov;
      up(i, j) += h;
      dn(i, j) -= h;
      if (i != j) {
        up(j, i) += h;
        dn(j, i) -= h;
      }
      const double fd = (acq(p.mean, up, false).value - acq(p.mean, dn, false).value) / (2 * h);
      const double an = i == j ? g.grad_cov(i, i) : g.grad_cov(i, j) + g.grad_cov(j, i);
      INFO("cov entry " << i << "," << j);
      CHECK(an == Approx(fd).margin(tol).epsilon(tol));
    }
  }
}

}  // namespace

TEST_CASE("Cholesky backward pass matches finite differences", "[gradient]") {
  const JointPosterior p = random_posterior(4, 77);
  const Eigen::MatrixXd W = random_posterior(4, 78).cov;  // loss = <W, L>
  auto loss = [&](const Eigen::MatrixXd& c) {
    return (W.array() * joint_factor(c).lower.array()).sum();
  };
  const Eigen::MatrixXd G = joint_factor_backward(joint_factor(p.cov).lower,
                                                  W.triangularView<Eigen::Lower>().toDenseMatrix());
  const double h = 1e-6;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j <= i; ++j) {
      Eigen::MatrixXd up = p.cov, dn = p.cov;
      up(i, j) += h;
      dn(i, j) -= h;
      if (i != j) {
        up(j, i) += h;
        dn(j, i) -= h;
      }
      const double fd = (loss(up) - loss(dn)) / (2 * h);
      CHECK((i == j ? G(i, i) : 2.0 * G(i, j)) == Approx(fd).epsilon(1e-6).margin(1e-7));
    }
}

TEST_CASE("MC qEI gradient w.r.t. mean and covariance matches finite differences", "[gradient]") {
  for (int q : {1, 2, 4, 6}) {
    const JointPosterior p = random_posterior(q, 200 + static_cast<std::uint64_t>(q));
    const double incumbent = p.mean.minCoeff();
    const Eigen::MatrixXd z = sobol_normal(512, q, 1);
    // The MC qEI is piecewise smooth in (mu, Sigma): with a small step FD crosses few kinks.
    check_gradients([&](const Eigen::VectorXd& m, const Eigen::MatrixXd& c, bool g) {
      return qei_monte_carlo(m, c, incumbent, z, g);
    }, p, 1e-7, 1e-4);
  }
}

TEST_CASE("qLogEI gradient w.r.t. mean and covariance matches finite differences", "[gradient]") {
  for (int q : {1, 3, 5}) {
    const JointPosterior p = random_posterior(q, 300 + static_cast<std::uint64_t>(q));
    for (double shift : {0.0, 1.5}) {  // near the incumbent and far from improvement
      const double incumbent = p.mean.minCoeff() - shift;
      const Eigen::MatrixXd z = sobol_normal(256, q, 2);
      check_gradients([&](const Eigen::VectorXd& m, const Eigen::MatrixXd& c, bool g) {
        return qlogei(m, c, incumbent, z, g);
      }, p, 1e-6, 1e-4);
    }
  }
}
