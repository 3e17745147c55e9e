// GaussianProcess: a hand-computed posterior, posterior gradients against finite differences,
// rank-one updates against a direct computation, jitter on duplicate points, and a fit that
// recovers sensible lengthscales and predicts held-out points.
#include "gp_test_helpers.hpp"

#include "gaussian_process.hpp"
#include "marginal_likelihood.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <numbers>

using namespace quante::opt;
using namespace quante::opt::test;

namespace {

GpOptions options_with(const std::string& kernel) {
  GpOptions o;
  o.kernel = kernel;
  return o;
}

double lengthscale_of(const GaussianProcess& gp) {
  double out = std::nan("");
  gp.kernel().for_each_hyperparameter([&](const Hyperparameter& h) {
    if (h.name == "length_scale[0]") out = std::exp(h.value);
  });
  return out;
}

}  // namespace

TEST_CASE("Posterior of a two-point RBF GP matches the closed form", "[gp][posterior]") {
  // Standardized, the losses (3, 1) are (+1, -1). The prior mean (zero in target units) sits at
  // their average (PriorMean::Mean) or at the worst of them (Max: targets shifted down by 1).
  for (const auto& [prior_mean, shift] : {std::pair{PriorMean::Mean, 0.0}, std::pair{PriorMean::Max, 1.0}}) {
    INFO("prior mean shift " << shift);
    GpOptions options = options_with(
        "C(1.0, \"fixed\") * RBF(length_scale=0.5, length_scale_bounds=\"fixed\") + "
        "WhiteKernel(0.01, \"fixed\")");
    options.prior_mean = prior_mean;
    GaussianProcess gp(options);
    Eigen::MatrixXd X(2, 1);
    X << 0.2, 0.6;
    const Eigen::Vector2d y(3.0, 1.0);
    const FitReport report = gp.fit(X, y, 7);
    CHECK_FALSE(report.refitted);
    CHECK(report.jitter == 0.0);

    // K = [[a, k], [k, a]], a = 1 + 0.01, k = exp(-(0.4 / 0.5)^2 / 2).
    const double a = 1.01, k = std::exp(-0.32), det = a * a - k * k;
    const double z1 = 1.0 - shift, z2 = -1.0 - shift;
    const double u1 = std::exp(-0.02), u2 = std::exp(-0.18);  // k(0.3, X)
    const double v1 = std::exp(-0.98), v2 = std::exp(-0.18);  // k(0.9, X)
    auto mean = [&](double p1, double p2) { return (p1 * (a * z1 - k * z2) + p2 * (a * z2 - k * z1)) / det; };
    auto quad = [&](double p1, double p2, double q1, double q2) {
      return (a * (p1 * q1 + p2 * q2) - k * (p1 * q2 + p2 * q1)) / det;
    };

    Eigen::MatrixXd Xq(2, 1);
    Xq << 0.3, 0.9;
    const Posterior p = gp.posterior(Xq);
    CHECK(p.mean(0) == Approx(mean(u1, u2)).epsilon(1e-12));
    CHECK(p.mean(1) == Approx(mean(v1, v2)).epsilon(1e-12));
    CHECK(p.cov(0, 0) == Approx(1.0 - quad(u1, u2, u1, u2)).epsilon(1e-12));
    CHECK(p.cov(1, 1) == Approx(1.0 - quad(v1, v2, v1, v2)).epsilon(1e-12));
    CHECK(p.cov(0, 1) == Approx(std::exp(-0.72) - quad(u1, u2, v1, v2)).epsilon(1e-12));
    CHECK(p.cov(1, 0) == p.cov(0, 1));
    CHECK(gp.predict_mean(Xq).isApprox(p.mean, 1e-14));

    CHECK(gp.incumbent() == Approx(-1.0 - shift));
    CHECK(gp.transform_loss(2.0) == Approx(-shift).margin(1e-15));
    CHECK(gp.untransform_loss(1.0 - shift) == Approx(3.0));
    // Far from the data the model expects the prior mean: the average loss, or the worst.
    Eigen::MatrixXd far(1, 1);
    far << 40.0;
    CHECK(gp.untransform_loss(gp.predict_mean(far)(0)) == Approx(prior_mean == PriorMean::Max ? 3.0 : 2.0));
    const double lml = -0.5 * (a * z1 * z1 + a * z2 * z2 - 2.0 * k * z1 * z2) / det - 0.5 * std::log(det) -
                       std::log(2.0 * std::numbers::pi);
    CHECK(report.log_marginal_likelihood == Approx(lml).epsilon(1e-12));
    CHECK(gp.log_marginal_likelihood() == Approx(lml).epsilon(1e-12));
    CHECK(gp.dim() == 1);
    CHECK(gp.size() == 2);
  }
}

TEST_CASE("Posterior gradient matches finite differences", "[gp][posterior]") {
  const char* const kernels[] = {
      "Matern(nu=2.5) + WhiteKernel()",
      "Matern(nu=1.5) + WhiteKernel()",
      "C(1.0) * RBF() + WhiteKernel()",
      "RBF() * DotProduct() + WhiteKernel()",
      "DotProduct() + Matern(nu=2.5) + WhiteKernel()",
  };
  const Eigen::MatrixXd X = random_points(15, 3, 51);
  Eigen::VectorXd y(15);
  for (Eigen::Index i = 0; i < 15; ++i) y(i) = std::cos(4.0 * X(i, 0)) + X(i, 1) - X(i, 2) * X(i, 2);
  const Eigen::MatrixXd Xq = random_points(3, 3, 52, 0.05, 0.95);
  for (const char* text : kernels) {
    SECTION(text) {
      GaussianProcess gp(options_with(text));
      gp.fit(X, y, 3);
      const PosteriorGradient g = gp.posterior_gradient(Xq);
      const PosteriorWithGradient both = gp.posterior_with_gradient(Xq);
      const Posterior alone = gp.posterior(Xq);
      require_close(both.posterior.mean, alone.mean, 1e-12, 1e-14);
      require_close(both.posterior.cov, alone.cov, 1e-10, 1e-12);
      require_close(both.gradient.mean, g.mean, 1e-12, 1e-14);
      // Gradients of the first rows only (new points followed by pending ones): the same rows.
      const PosteriorWithGradient first = gp.posterior_with_gradient(Xq, 2);
      REQUIRE(first.gradient.mean.rows() == 2);
      REQUIRE(first.gradient.cov.size() == 2);
      require_close(first.posterior.cov, alone.cov, 1e-10, 1e-12);
      require_close(first.gradient.mean, g.mean.topRows(2), 1e-12, 1e-14);
      for (std::size_t i = 0; i < 2; ++i) require_close(first.gradient.cov[i], g.cov[i], 1e-12, 1e-14);
      REQUIRE(g.mean.rows() == 3);
      REQUIRE(g.mean.cols() == 3);
      REQUIRE(g.cov.size() == 3);
      for (Eigen::Index i = 0; i < 3; ++i) {
        auto moved = [&](const Eigen::VectorXd& xi) {
          Eigen::MatrixXd Q = Xq;
          Q.row(i) = xi.transpose();
          return gp.posterior(Q);
        };
        const Eigen::VectorXd xi = Xq.row(i).transpose();
        const double h = 1e-5;
        auto fm = [&](const Eigen::VectorXd& p) { return moved(p).mean(i); };
        require_close(g.mean.row(i).transpose(), central_difference(fm, xi, h), 1e-5, 1e-7);
        REQUIRE(g.cov[static_cast<std::size_t>(i)].rows() == 3);
        REQUIRE(g.cov[static_cast<std::size_t>(i)].cols() == 3);
        for (Eigen::Index b = 0; b < 3; ++b) {
          INFO("point " << i << ", covariance with " << b);
          auto fc = [&](const Eigen::VectorXd& p) { return moved(p).cov(i, b); };
          require_close(g.cov[static_cast<std::size_t>(i)].col(b), central_difference(fc, xi, h),
                        1e-5, 1e-7);
        }
      }
    }
  }
}

TEST_CASE("add_observation equals conditioning on all points from scratch", "[gp][update]") {
  const Eigen::MatrixXd X = random_points(21, 2, 61);
  Eigen::VectorXd y(21);
  for (Eigen::Index i = 0; i < 21; ++i) y(i) = std::sin(6.0 * X(i, 0)) * std::cos(3.0 * X(i, 1)) + 2.0;
  for (auto transform : {OutputTransform::Standardize, OutputTransform::RankNormal, OutputTransform::Log}) {
    GpOptions o;
    o.transform = transform;
    GaussianProcess gp(o);
    gp.fit(X.topRows(20), y.head(20), 5);
    const double before_incumbent = gp.incumbent();
    gp.add_observation(X.row(20).transpose(), y(20));
    REQUIRE(gp.size() == 21);
    REQUIRE(gp.jitter() == 0.0);

    // Reference: the same kernel and transformed targets, factored directly.
    const Eigen::VectorXd z = gp.targets();
    CHECK(z(20) == gp.transform_loss(y(20)));
    CHECK(gp.incumbent() == std::min(before_incumbent, z(20)));
    const Eigen::MatrixXd K = gp.kernel().train(X);
    const Eigen::LLT<Eigen::MatrixXd> llt(K);
    const Eigen::MatrixXd Xq = random_points(4, 2, 62);
    const Eigen::MatrixXd Ks = gp.kernel().cross(X, Xq);
    const Eigen::VectorXd mean = Ks.transpose() * llt.solve(z);
    const Eigen::MatrixXd cov = gp.kernel().cross(Xq, Xq) - Ks.transpose() * llt.solve(Ks);
    const Posterior p = gp.posterior(Xq);
    require_close(p.mean, mean, 1e-8, 1e-10);
    require_close(p.cov, cov, 1e-8, 1e-10);
    CHECK(gp.log_marginal_likelihood() ==
          Approx(log_marginal_likelihood(gp.kernel(), X, z, false)->value).epsilon(1e-10));
  }
}

TEST_CASE("Duplicate points need jitter, which is reported, and still give a usable posterior",
          "[gp][cholesky]") {
  // Noise-free kernel and a repeated point: K is singular.
  GaussianProcess gp(options_with("C(1.0, \"fixed\") * RBF(0.3, \"fixed\")"));
  Eigen::MatrixXd X(4, 1);
  X << 0.1, 0.1, 0.5, 0.9;
  const Eigen::Vector4d y(1.0, 1.0, 2.0, 0.5);
  const FitReport report = gp.fit(X, y, 1);
  CHECK(report.jitter > 0.0);
  CHECK(gp.jitter() == report.jitter);
  Eigen::MatrixXd Xq(3, 1);
  Xq << 0.1, 0.3, 0.7;
  const Posterior p = gp.posterior(Xq);
  REQUIRE(p.mean.allFinite());
  REQUIRE(p.cov.allFinite());
  CHECK(p.mean(0) == Approx(gp.transform_loss(1.0)).margin(1e-3));
  CHECK(p.cov(0, 0) > -1e-6);
  CHECK(p.cov(0, 0) < 1e-3);
  CHECK(p.cov(1, 1) > p.cov(0, 0));
  // One more duplicate through the rank-one path: refused there, refactored with jitter.
  gp.add_observation(Eigen::VectorXd::Constant(1, 0.5), 2.0);
  CHECK(gp.size() == 5);
  CHECK(gp.posterior(Xq).mean.allFinite());
  CHECK(gp.posterior_gradient(Xq).mean.allFinite());
}

TEST_CASE("Fit recovers sensible lengthscales and predicts held-out points", "[gp][fit]") {
  const int n = 25;
  Eigen::MatrixXd X(n, 1);
  for (int i = 0; i < n; ++i) X(i, 0) = (i + 0.5) / n;
  Eigen::MatrixXd Xh(n - 1, 1);
  for (int i = 0; i < n - 1; ++i) Xh(i, 0) = (i + 1.0) / n;

  const Eigen::VectorXd wiggly = (15.0 * X.col(0).array()).sin();
  const Eigen::VectorXd smooth = (2.0 * X.col(0).array()).sin();
  GaussianProcess gw;
  GaussianProcess gs;
  const FitReport rw = gw.fit(X, wiggly, 11);
  gs.fit(X, smooth, 11);
  CHECK(rw.refitted);
  CHECK(rw.iterations > 0);
  CHECK(rw.hyperparameters.find("Matern(length_scale=") != std::string::npos);
  const double lw = lengthscale_of(gw);
  const double ls = lengthscale_of(gs);
  INFO("wiggly lengthscale " << lw << ", smooth lengthscale " << ls);
  CHECK(lw > 0.05);
  CHECK(lw < 0.5);
  CHECK(ls > 2.0 * lw);

  // Held-out midpoints, in raw units.
  const Eigen::VectorXd m = gw.predict_mean(Xh);
  double worst = 0.0;
  for (Eigen::Index i = 0; i < Xh.rows(); ++i) {
    worst = std::max(worst, std::abs(gw.untransform_loss(m(i)) - std::sin(15.0 * Xh(i, 0))));
  }
  INFO("worst held-out error " << worst);
  CHECK(worst < 0.02);
  // The posterior sd at held-out points is small but positive.
  const Posterior p = gw.posterior(Xh);
  CHECK((p.cov.diagonal().array() > 0.0).all());
  CHECK(p.cov.diagonal().maxCoeff() < 0.01);
}

TEST_CASE("Fits are replayable from the seed and warm-started", "[gp][fit]") {
  const Eigen::MatrixXd X = random_points(30, 4, 71);
  Eigen::VectorXd y(30);
  for (Eigen::Index i = 0; i < 30; ++i) y(i) = (X.row(i).array() - 0.4).square().sum();
  GaussianProcess a, b;
  const FitReport ra = a.fit(X, y, 99);
  const FitReport rb = b.fit(X, y, 99);
  CHECK(ra.hyperparameters == rb.hyperparameters);
  CHECK(ra.log_marginal_likelihood == rb.log_marginal_likelihood);
  CHECK(a.kernel().log_values() == b.kernel().log_values());
  // A refit on the same data starts at the previous optimum and cannot end worse.
  const FitReport again = a.fit(X, y, 100);
  CHECK(again.log_marginal_likelihood >= ra.log_marginal_likelihood - 1e-3);
  // A copy is independent of the original.
  GaussianProcess c = a;
  c.add_observation(Eigen::VectorXd::Constant(4, 0.4), 0.0);
  CHECK(c.size() == 31);
  CHECK(a.size() == 30);
}

TEST_CASE("Large n fits hyperparameters on a subset and conditions on all points", "[gp][fit]") {
  GpOptions o;
  o.max_fit_points = 60;
  GaussianProcess gp(o);
  const Eigen::MatrixXd X = random_points(150, 2, 81);
  Eigen::VectorXd y(150);
  for (Eigen::Index i = 0; i < 150; ++i) y(i) = std::sin(5.0 * X(i, 0)) + X(i, 1);
  const FitReport r = gp.fit(X, y, 4);
  CHECK(r.refitted);
  CHECK(gp.size() == 150);
  const Eigen::MatrixXd Xh = random_points(20, 2, 82);
  const Eigen::VectorXd m = gp.predict_mean(Xh);
  for (Eigen::Index i = 0; i < Xh.rows(); ++i) {
    CHECK(gp.untransform_loss(m(i)) ==
          Approx(std::sin(5.0 * Xh(i, 0)) + Xh(i, 1)).margin(0.05));
  }
}

TEST_CASE("Bad training data is refused before any maths", "[gp][fit]") {
  GaussianProcess gp;
  const Eigen::MatrixXd X = random_points(3, 2, 91);
  CHECK(gp.check_training_data(X, Eigen::Vector2d(1.0, 2.0)).value().find("rows") != std::string::npos);
  CHECK(gp.check_training_data(X, Eigen::Vector3d(1.0, std::nan(""), 2.0)).has_value());
  CHECK_FALSE(gp.check_training_data(X, Eigen::Vector3d(1.0, 0.5, 2.0)).has_value());
  CHECK_THROWS_AS(gp.fit(X, Eigen::Vector2d(1.0, 2.0), 1), std::invalid_argument);
  CHECK_THROWS_AS(gp.posterior(X), std::logic_error);
  CHECK_THROWS_AS(gp.add_observation(Eigen::Vector2d(0.5, 0.5), 1.0), std::logic_error);

  GpOptions o;
  o.transform = OutputTransform::Log;
  GaussianProcess log_gp(o);
  const auto problem = log_gp.check_training_data(X, Eigen::Vector3d(1.0, -0.5, 2.0));
  REQUIRE(problem.has_value());
  CHECK(problem->find("positive") != std::string::npos);
  CHECK_THROWS_AS(log_gp.fit(X, Eigen::Vector3d(1.0, -0.5, 2.0), 1), std::invalid_argument);
  log_gp.fit(X, Eigen::Vector3d(1.0, 0.5, 2.0), 1);
  CHECK_THROWS_AS(log_gp.add_observation(Eigen::Vector2d(0.5, 0.5), 0.0), std::invalid_argument);
  CHECK_THROWS_AS(log_gp.posterior(Eigen::MatrixXd::Zero(1, 3)), std::invalid_argument);
  CHECK(std::isnan(log_gp.transform_loss(-1.0)));
}

TEST_CASE("A single observation is a valid GP", "[gp][fit]") {
  GaussianProcess gp;
  const FitReport r = gp.fit(Eigen::MatrixXd::Constant(1, 3, 0.5), Eigen::VectorXd::Constant(1, 2.0), 1);
  CHECK_FALSE(r.refitted);
  CHECK(gp.size() == 1);
  CHECK(gp.incumbent() == 0.0);
  const Posterior p = gp.posterior(random_points(2, 3, 5));
  CHECK(p.mean.allFinite());
  CHECK((p.cov.diagonal().array() > 0.0).all());
  gp.add_observation(Eigen::VectorXd::Constant(3, 0.1), 3.0);
  CHECK(gp.size() == 2);
  CHECK(gp.transform_loss(3.0) == 1.0);
}
