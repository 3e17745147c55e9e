// PendingBlock (the joint posterior of new points and cached pending points) against the
// reference it replaces: GaussianProcess::posterior / posterior_with_gradient on the stacked
// [x_new; pending] rows, and its gradient against central finite differences of that reference.
#include <catch2/catch.hpp>

#include <cmath>

#include "gaussian_process.hpp"
#include "pending_block.hpp"
#include "rng.hpp"

using namespace quante::opt;

namespace {

Eigen::MatrixXd uniform_rows(int rows, int d, Rng& rng) {
  Eigen::MatrixXd X(rows, d);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = uniform01(rng);
  return X;
}

Eigen::MatrixXd stacked(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  Eigen::MatrixXd out(a.rows() + b.rows(), a.cols());
  out << a, b;
  return out;
}

GaussianProcess fitted_gp(int n, int d, std::uint64_t seed) {
  Rng rng(seed);
  const Eigen::MatrixXd X = uniform_rows(n, d, rng);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) y[i] = std::sin(5.0 * X(i, 0)) + (X.row(i).array() - 0.4).square().sum();
  GaussianProcess gp;
  gp.fit(X, y, seed);
  return gp;
}

}  // namespace

TEST_CASE("PendingBlock: the joint posterior equals the GP's on the stacked rows", "[pending][gp]") {
  const int d = 4;
  const GaussianProcess gp = fitted_gp(40, d, 3);
  Rng rng(11);
  const Eigen::MatrixXd pending = uniform_rows(5, d, rng);
  const Eigen::MatrixXd x = uniform_rows(3, d, rng);
  const PendingBlock block(gp, pending);
  const Posterior ref = gp.posterior(stacked(x, pending));
  const Posterior got = block.posterior(x);
  REQUIRE(got.mean.size() == 8);
  CHECK((got.mean - ref.mean).cwiseAbs().maxCoeff() < 1e-9);
  CHECK((got.cov - ref.cov).cwiseAbs().maxCoeff() < 1e-9);

  const PosteriorWithGradient ref_g = gp.posterior_with_gradient(stacked(x, pending), x.rows());
  const PosteriorWithGradient got_g = block.posterior_with_gradient(x);
  CHECK((got_g.posterior.cov - ref_g.posterior.cov).cwiseAbs().maxCoeff() < 1e-9);
  CHECK((got_g.gradient.mean - ref_g.gradient.mean).cwiseAbs().maxCoeff() < 1e-9);
  REQUIRE(got_g.gradient.cov.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    REQUIRE(got_g.gradient.cov[i].cols() == 8);
    CHECK((got_g.gradient.cov[i] - ref_g.gradient.cov[i]).cwiseAbs().maxCoeff() < 1e-9);
  }
}

TEST_CASE("PendingBlock: the gradient of the cross covariance matches finite differences", "[pending][gradient]") {
  const int d = 3;
  const GaussianProcess gp = fitted_gp(25, d, 5);
  Rng rng(17);
  const Eigen::MatrixXd pending = uniform_rows(4, d, rng);
  const Eigen::MatrixXd x = uniform_rows(2, d, rng);
  const PendingBlock block(gp, pending);
  const PosteriorWithGradient pg = block.posterior_with_gradient(x);
  const double h = 1e-6;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < d; ++j) {
      Eigen::MatrixXd up = x, dn = x;
      up(i, j) += h;
      dn(i, j) -= h;
      // The reference posterior, not the block's, so the two are independent.
      const Posterior pu = gp.posterior(stacked(up, pending)), pd = gp.posterior(stacked(dn, pending));
      for (int b = 2; b < 6; ++b) {  // the pending columns
        const double fd = (pu.cov(i, b) - pd.cov(i, b)) / (2 * h);
        INFO("row " << i << " coordinate " << j << " pending column " << b);
        CHECK(pg.gradient.cov[static_cast<std::size_t>(i)](j, b) == Approx(fd).epsilon(1e-4).margin(1e-7));
      }
    }
}

TEST_CASE("PendingBlock: no pending points is the GP's own posterior", "[pending][gp]") {
  const GaussianProcess gp = fitted_gp(20, 2, 7);
  Rng rng(1);
  const Eigen::MatrixXd x = uniform_rows(3, 2, rng);
  const PendingBlock block(gp, Eigen::MatrixXd(0, 2));
  CHECK(block.size() == 0);
  const Posterior ref = gp.posterior(x), got = block.posterior(x);
  CHECK((got.cov - ref.cov).cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("GaussianProcess::solve applies K^-1 and refuses a wrong height", "[gp]") {
  const GaussianProcess gp = fitted_gp(15, 2, 9);
  Rng rng(2);
  const Eigen::MatrixXd probe = uniform_rows(2, 2, rng);
  // K^-1 k(X, x) through solve gives the posterior mean weights: k(x, X) K^-1 z = mean.
  const Eigen::MatrixXd Kx = gp.kernel().cross(gp.inputs(), probe);
  const Eigen::VectorXd mean = gp.solve(Kx).transpose() * gp.targets();
  CHECK((mean - gp.predict_mean(probe)).cwiseAbs().maxCoeff() < 1e-9);
  CHECK_THROWS_AS(gp.solve(Eigen::MatrixXd::Ones(3, 1)), std::invalid_argument);
}

TEST_CASE("GaussianProcess: the column-wise solves of large models agree with the matrix path", "[gp][scale]") {
  // From 500 observations a posterior of at most 4 points solves column by column; 5 points or
  // more take Eigen's matrix path. The first rows of a 6-point posterior are the reference.
  const GaussianProcess gp = fitted_gp(600, 3, 21);
  Rng rng(4);
  const Eigen::MatrixXd six = uniform_rows(6, 3, rng);
  const Posterior ref = gp.posterior(six);
  const Posterior two = gp.posterior(six.topRows(2));
  CHECK((two.mean - ref.mean.head(2)).cwiseAbs().maxCoeff() < 1e-9);
  CHECK((two.cov - ref.cov.topLeftCorner(2, 2)).cwiseAbs().maxCoeff() < 1e-9);
  const PosteriorWithGradient ref_g = gp.posterior_with_gradient(six, 2);
  const PosteriorWithGradient two_g = gp.posterior_with_gradient(six.topRows(2));
  CHECK((two_g.gradient.mean - ref_g.gradient.mean).cwiseAbs().maxCoeff() < 1e-9);
  for (std::size_t i = 0; i < 2; ++i)
    CHECK((two_g.gradient.cov[i] - ref_g.gradient.cov[i].leftCols(2)).cwiseAbs().maxCoeff() < 1e-9);
  const Eigen::MatrixXd B = gp.kernel().cross(gp.inputs(), six);
  // K^-1 B itself carries the conditioning of K (little noise: ~1e7 here), so two summation
  // orders agree to ~cond(K) * eps relative, not to the 1e-9 of the posteriors above.
  const Eigen::MatrixXd full = gp.solve(B).leftCols(3);
  CHECK((gp.solve(B.leftCols(3)) - full).cwiseAbs().maxCoeff() < 1e-6 * full.cwiseAbs().maxCoeff());
}
