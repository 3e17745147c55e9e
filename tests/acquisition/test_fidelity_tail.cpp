// The GP over (configuration, fidelity) that proposes at fidelity 1 (issue 13,
// GaussianProcess::set_query_tail, ProposalRequest::fidelity), against independent references:
// the same GP without a tail queried at the explicitly augmented points [x, 1], the incumbent
// recomputed by brute force over the training rows, central finite differences of the posterior,
// and PendingBlock against the GP's own stacked posterior.
#include <catch2/catch.hpp>

#include <cmath>

#include "gaussian_process.hpp"
#include "pending_block.hpp"
#include "proposer.hpp"
#include "rng.hpp"

using namespace quante::opt;

namespace {

constexpr int kD = 3;  // configuration dimensions; the fidelity is column kD

Eigen::MatrixXd uniform_rows(int rows, int d, Rng& rng) {
  Eigen::MatrixXd X(rows, d);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = uniform01(rng);
  return X;
}

Eigen::MatrixXd with_ones(const Eigen::MatrixXd& X) {
  Eigen::MatrixXd out(X.rows(), X.cols() + 1);
  out << X, Eigen::VectorXd::Ones(X.rows());
  return out;
}

// A learning-curve-like loss: f(x) plus an excess that shrinks as the fidelity s goes to 1.
double loss(const Eigen::VectorXd& x, double s) {
  const double f = (x.array() - 0.3).square().sum() + 0.2 * std::sin(4.0 * x[0]);
  return f + (0.5 + x[1]) * std::exp(-3.0 * s) - (0.5 + x[1]) * std::exp(-3.0);
}

// n configurations, each at the fidelities 0, 1/3, 2/3 (and 1 for every `full_every`-th one).
void training_data(int n, int full_every, Eigen::MatrixXd& X, Eigen::VectorXd& y) {
  Rng rng(5);
  const Eigen::MatrixXd configs = uniform_rows(n, kD, rng);
  std::vector<Eigen::VectorXd> rows;
  std::vector<double> losses;
  for (int i = 0; i < n; ++i) {
    for (double s : {0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0}) {
      if (s == 1.0 && (full_every == 0 || i % full_every != 0)) continue;
      Eigen::VectorXd r(kD + 1);
      r << configs.row(i).transpose(), s;
      rows.push_back(r);
      losses.push_back(loss(configs.row(i).transpose(), s));
    }
  }
  X.resize(static_cast<Eigen::Index>(rows.size()), kD + 1);
  y.resize(static_cast<Eigen::Index>(rows.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    X.row(static_cast<Eigen::Index>(i)) = rows[i].transpose();
    y[static_cast<Eigen::Index>(i)] = losses[i];
  }
}

// A GP fitted on (X, y) that answers every query at fidelity 1.
GaussianProcess tailed_gp(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, std::uint64_t seed) {
  GaussianProcess gp;
  gp.set_query_tail(Eigen::VectorXd::Ones(1));
  gp.fit(X, y, seed);
  return gp;
}

}  // namespace

TEST_CASE("GP query tail: queries equal the untailed GP's at the augmented points [x, 1]", "[gp][fidelity]") {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  training_data(14, 3, X, y);
  GaussianProcess plain, tailed;
  tailed.set_query_tail(Eigen::VectorXd::Ones(1));
  plain.fit(X, y, 7);
  tailed.fit(X, y, 7);
  CHECK(tailed.dim() == kD);
  CHECK(plain.dim() == kD + 1);
  Rng rng(9);
  const Eigen::MatrixXd q = uniform_rows(4, kD, rng);
  const Posterior ref = plain.posterior(with_ones(q));
  const Posterior got = tailed.posterior(q);
  CHECK((got.mean - ref.mean).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((got.cov - ref.cov).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((tailed.predict_mean(q) - plain.predict_mean(with_ones(q))).cwiseAbs().maxCoeff() < 1e-12);
  // The gradient is the untailed one without the fidelity's row, and matches finite differences.
  const PosteriorWithGradient ref_g = plain.posterior_with_gradient(with_ones(q));
  const PosteriorWithGradient got_g = tailed.posterior_with_gradient(q);
  REQUIRE(got_g.gradient.mean.cols() == kD);
  CHECK((got_g.gradient.mean - ref_g.gradient.mean.leftCols(kD)).cwiseAbs().maxCoeff() < 1e-12);
  for (std::size_t i = 0; i < 4; ++i) {
    REQUIRE(got_g.gradient.cov[i].rows() == kD);
    CHECK((got_g.gradient.cov[i] - ref_g.gradient.cov[i].topRows(kD)).cwiseAbs().maxCoeff() < 1e-12);
  }
  const double h = 1e-6;
  for (int k = 0; k < kD; ++k) {
    Eigen::MatrixXd up = q, down = q;
    up(1, k) += h;
    down(1, k) -= h;
    const double fd_mean = (tailed.posterior(up).mean[1] - tailed.posterior(down).mean[1]) / (2 * h);
    const double fd_var = (tailed.posterior(up).cov(1, 1) - tailed.posterior(down).cov(1, 1)) / (2 * h);
    CHECK(got_g.gradient.mean(1, k) == Approx(fd_mean).margin(1e-5));
    CHECK(got_g.gradient.cov[1](k, 1) == Approx(fd_var).margin(1e-5));
  }
  CHECK_THROWS_AS(tailed.posterior(with_ones(q)), std::invalid_argument);  // d + 1 columns: refused
}

TEST_CASE("GP query tail: the incumbent is the best training row at the tail's fidelity", "[gp][fidelity]") {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  training_data(14, 3, X, y);
  const GaussianProcess gp = tailed_gp(X, y, 7);
  // Brute force over the rows at fidelity 1, in the GP's own units (targets, or the posterior
  // mean at the inputs when it infers noise).
  const Eigen::VectorXd values = gp.noise_inferred() ? gp.mean_at_inputs() : gp.targets();
  Eigen::Index best = -1;
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    if (X(i, kD) == 1.0 && (best < 0 || values[i] < values[best])) best = i;
  REQUIRE(best >= 0);
  CHECK(gp.best_index() == best);
  CHECK(gp.incumbent() == values[best]);
  // Lower fidelities have the higher losses here, but a row at fidelity 0 must never be taken
  // even when its target is lower: shift one low-fidelity loss far down.
  Eigen::VectorXd y2 = y;
  y2[1] = y.minCoeff() - 10.0;
  REQUIRE(X(1, kD) != 1.0);
  const GaussianProcess gp2 = tailed_gp(X, y2, 7);
  CHECK(X(gp2.best_index(), kD) == 1.0);
}

TEST_CASE("GP query tail: with no row at the tail's fidelity the incumbent is the lowest mean there", "[gp][fidelity]") {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  training_data(12, 0, X, y);  // nothing at fidelity 1
  const GaussianProcess gp = tailed_gp(X, y, 3);
  const Eigen::VectorXd at_one = gp.predict_mean(X.leftCols(kD));
  Eigen::Index best = 0;
  at_one.minCoeff(&best);
  CHECK(gp.best_index() == best);
  CHECK(gp.incumbent() == Approx(at_one[best]).epsilon(1e-12));
}

TEST_CASE("GP query tail: PendingBlock equals the GP's posterior of the stacked rows", "[gp][fidelity][pending]") {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  training_data(14, 3, X, y);
  const GaussianProcess gp = tailed_gp(X, y, 7);
  Rng rng(21);
  const Eigen::MatrixXd pending = uniform_rows(3, kD, rng);
  const Eigen::MatrixXd x = uniform_rows(2, kD, rng);
  Eigen::MatrixXd stacked(5, kD);
  stacked << x, pending;
  const PendingBlock block(gp, pending);
  const PosteriorWithGradient ref = gp.posterior_with_gradient(stacked, 2);
  const PosteriorWithGradient got = block.posterior_with_gradient(x);
  CHECK((got.posterior.mean - ref.posterior.mean).cwiseAbs().maxCoeff() < 1e-9);
  CHECK((got.posterior.cov - ref.posterior.cov).cwiseAbs().maxCoeff() < 1e-9);
  for (std::size_t i = 0; i < 2; ++i) CHECK((got.gradient.cov[i] - ref.gradient.cov[i]).cwiseAbs().maxCoeff() < 1e-9);
}

TEST_CASE("Proposer with fidelities: proposes configurations, refuses a fidelity of the wrong shape", "[proposer][fidelity]") {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  training_data(14, 3, X, y);
  std::vector<Variable> variables(kD, Variable{VariableKind::Continuous, 0});
  Proposer proposer{DesignSpace(variables)};
  ProposalRequest r;
  r.X = X.leftCols(kD);
  r.y = y;
  r.fidelity = X.col(kD);
  r.q = 2;
  r.seed = 4;
  const Proposal p = proposer.propose(r);
  REQUIRE(p.points.rows() == 2);
  CHECK(p.points.cols() == kD);
  CHECK(p.points.minCoeff() >= 0.0);
  CHECK(p.points.maxCoeff() <= 1.0);
  REQUIRE(proposer.model());
  CHECK(proposer.model()->inputs().cols() == kD + 1);  // fitted over (x, fidelity)
  CHECK(proposer.model()->dim() == kD);
  // Without fidelities the next call fits the configurations alone again.
  ProposalRequest plain = r;
  plain.fidelity.resize(0);
  proposer.propose(plain);
  CHECK(proposer.model()->inputs().cols() == kD);
  ProposalRequest bad = r;
  bad.fidelity = r.fidelity.head(3);
  CHECK(proposer.check(bad).value_or("").find("fidelity") != std::string::npos);
  bad.fidelity = r.fidelity;
  bad.fidelity[0] = 1.5;
  CHECK(proposer.check(bad).value_or("").find("outside [0,1]") != std::string::npos);
}
