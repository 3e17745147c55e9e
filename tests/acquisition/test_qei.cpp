// qEI: exact (Tallis + Genz) and Monte Carlo against the analytic EI for q = 1 and against a
// brute-force estimate from 10^6 joint normal samples for q = 2..8; qLogEI against log qEI.
#include <catch2/catch.hpp>

#include <cmath>

#include "acquisition_helpers.hpp"
#include "qei_exact.hpp"
#include "qei_monte_carlo.hpp"
#include "qlogei.hpp"
#include "sobol.hpp"

using namespace quante::opt;
using namespace quante::opt::testing;

TEST_CASE("qEI: q = 1 exact and MC equal the analytic EI", "[qei]") {
  const Eigen::MatrixXd z = sobol_normal(1 << 14, 1, 4);
  for (auto [m, s, t] : {std::tuple{0.0, 1.0, 0.0}, std::tuple{0.5, 0.3, 0.2}, std::tuple{-1.0, 2.0, 0.5},
                         std::tuple{1.0, 0.1, -0.5}}) {
    // (T - m) Phi(u) + s phi(u), u = (T - m)/s, written out independently here.
    const double u = (t - m) / s;
    const double ei = (t - m) * 0.5 * std::erfc(-u / std::sqrt(2.0)) +
                      s * std::exp(-0.5 * u * u) / std::sqrt(2.0 * M_PI);
    Eigen::VectorXd mean(1);
    mean << m;
    Eigen::MatrixXd cov(1, 1);
    cov << s * s;
    CHECK(expected_improvement(m, s, t) == Approx(ei).epsilon(1e-12));
    CHECK(qei_exact(mean, cov, t, 1).value == Approx(ei).epsilon(1e-8).margin(1e-15));
    const McAcquisition mc = qei_monte_carlo(mean, cov, t, z, false);
    CHECK(mc.value == Approx(ei).epsilon(2e-3).margin(1e-12));
  }
}

TEST_CASE("qEI: q = 2..8 exact and MC agree with 10^6 joint normal samples", "[qei][slow]") {
  for (int q = 2; q <= 8; ++q) {
    const JointPosterior p = random_posterior(q, 100 + static_cast<std::uint64_t>(q));
    const double incumbent = p.mean.minCoeff() - 0.1;
    const BruteForce bf = brute_force_qei(p.mean, p.cov, incumbent, 1000000, 7 + static_cast<std::uint64_t>(q));
    const QeiExactResult ex = qei_exact(p.mean, p.cov, incumbent, 3);
    const McAcquisition mc = qei_monte_carlo(p.mean, p.cov, incumbent, sobol_normal(1 << 15, q, 5), false);
    INFO("q = " << q << " brute force " << bf.value << " +- " << bf.std_error << ", exact " << ex.value
                << " +- " << ex.error << ", MC " << mc.value);
    CHECK(std::abs(ex.value - bf.value) < 4.0 * bf.std_error + ex.error);
    CHECK(std::abs(mc.value - bf.value) < 4.0 * std::hypot(bf.std_error, mc.std_error));
  }
}

TEST_CASE("qEI: a pending point with the same posterior adds no improvement", "[qei]") {
  // Two perfectly correlated copies: qEI equals the single-point EI.
  Eigen::VectorXd mean(2);
  mean << 0.1, 0.1;
  Eigen::MatrixXd cov = Eigen::MatrixXd::Constant(2, 2, 0.04);
  const double ei = expected_improvement(0.1, 0.2, 0.0);
  CHECK(qei_exact(mean, cov, 0.0, 1).value == Approx(ei).epsilon(1e-4));
  CHECK(qei_monte_carlo(mean, cov, 0.0, sobol_normal(1 << 14, 2, 1), false).value ==
        Approx(ei).epsilon(5e-3));
}

TEST_CASE("qLogEI approaches log qEI", "[qlogei]") {
  for (int q : {1, 3, 6}) {
    const JointPosterior p = random_posterior(q, 40 + static_cast<std::uint64_t>(q));
    const double incumbent = p.mean.minCoeff();
    const Eigen::MatrixXd z = sobol_normal(4096, q, 9);
    const double mc = qei_monte_carlo(p.mean, p.cov, incumbent, z, false).value;
    const double lg = qlogei(p.mean, p.cov, incumbent, z, false).value;
    // The smooth max over the batch adds at most tau_max log q; the softplus at most ~tau_relu.
    CHECK(lg >= std::log(mc) - 1e-3);
    CHECK(std::exp(lg) <= mc + 1e-2 * std::log(static_cast<double>(q)) + 1e-4);
  }
  // Far from any improvement qEI underflows to 0 but qLogEI stays finite and ordered.
  Eigen::VectorXd m1(1), m2(1);
  m1 << 40.0;
  m2 << 50.0;
  Eigen::MatrixXd c(1, 1);
  c << 1.0;
  const Eigen::MatrixXd z = sobol_normal(256, 1, 2);
  const double a = qlogei(m1, c, 0.0, z, false).value, b = qlogei(m2, c, 0.0, z, false).value;
  CHECK(std::isfinite(a));
  CHECK(a > b);
}
