// Farm-scale proposals: large batches (above BatchOptimizerOptions::joint_full_q, a shortened
// joint polish) and many pending points (the cached PendingBlock) still give valid, distinct,
// deterministic points; the exact qEI report is made only up to report_exact_max points and then
// agrees with an independent MC estimate of the same batch.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <vector>

#include "proposer.hpp"
#include "rng.hpp"

using namespace quante::opt;

namespace {

ProposalRequest smooth_request(int d, int n, int q, std::uint64_t seed) {
  Rng rng(seed);
  ProposalRequest r;
  r.X.resize(n, d);
  r.y.resize(n);
  for (int i = 0; i < n; ++i) {
    double s = 0.0;
    for (int j = 0; j < d; ++j) {
      r.X(i, j) = uniform01(rng);
      s += (r.X(i, j) - 0.35) * (r.X(i, j) - 0.35) + 0.05 * std::sin(8.0 * r.X(i, j) + j);
    }
    r.y[i] = s;
  }
  r.q = q;
  r.seed = seed;
  return r;
}

// Every proposed row is inside the cube, distinct from the others, the evaluated and the pending.
void check_distinct(const Proposal& p, const ProposalRequest& r) {
  std::vector<Eigen::VectorXd> seen;
  for (Eigen::Index i = 0; i < r.X.rows(); ++i) seen.push_back(r.X.row(i).transpose());
  for (Eigen::Index i = 0; i < r.pending.rows(); ++i) seen.push_back(r.pending.row(i).transpose());
  for (Eigen::Index i = 0; i < p.points.rows(); ++i) {
    const Eigen::VectorXd x = p.points.row(i).transpose();
    CHECK(x.minCoeff() >= 0.0);
    CHECK(x.maxCoeff() <= 1.0);
    for (const auto& s : seen) CHECK((x - s).norm() > 1e-4);
    seen.push_back(x);
  }
}

}  // namespace

TEST_CASE("Proposer: a batch of 24 (shortened joint polish) is valid, distinct and deterministic", "[proposer][scale]") {
  const ProposalRequest r = smooth_request(3, 40, 24, 5);
  Proposer a(DesignSpace::continuous(3)), b(DesignSpace::continuous(3));
  const Proposal pa = a.propose(r), pb = b.propose(r);
  REQUIRE(pa.points.rows() == 24);
  check_distinct(pa, r);
  CHECK(pa.points == pb.points);
  // 24 points are above report_exact_max: no exact qEI, the MC estimate stands for it.
  CHECK(std::isnan(pa.qei_exact));
  CHECK(std::isfinite(pa.qei_mc));
  CHECK(pa.qei_mc > 0.0);
}

TEST_CASE("Proposer: one point with 30 pending is valid and away from every pending point", "[proposer][scale][pending]") {
  ProposalRequest r = smooth_request(4, 60, 1, 9);
  Rng rng(3);
  r.pending.resize(30, 4);
  for (int i = 0; i < 30; ++i)
    for (int j = 0; j < 4; ++j) r.pending(i, j) = uniform01(rng);
  Proposer proposer(DesignSpace::continuous(4));
  const Proposal p = proposer.propose(r);
  REQUIRE(p.points.rows() == 1);
  check_distinct(p, r);
  CHECK(std::isnan(p.qei_exact));  // 31 points in the batch with its pending ones
  CHECK(std::isfinite(p.log_qei));
}

TEST_CASE("Proposer: the exact qEI is reported up to report_exact_max points and agrees with MC", "[proposer][scale][qei]") {
  const ProposalRequest r = smooth_request(2, 20, 4, 13);
  ProposerOptions options;
  options.batch.report_mc_samples = 1 << 14;
  options.batch.report_tolerance = 1e-4;
  options.batch.report_max_points = 4096;
  Proposer proposer(DesignSpace::continuous(2), {}, options);
  const Proposal p = proposer.propose(r);
  REQUIRE(p.points.rows() == 4);
  REQUIRE(std::isfinite(p.qei_exact));
  // Tallis + Genz against a QMC estimate of the same expectation: independent methods.
  CHECK(std::abs(p.qei_exact - p.qei_mc) < 0.02 * p.qei_mc + 1e-4);

  ProposerOptions off = options;
  off.batch.report_exact_max = 3;
  Proposer capped(DesignSpace::continuous(2), {}, off);
  const Proposal c = capped.propose(r);
  CHECK(std::isnan(c.qei_exact));
  CHECK(c.points == p.points);  // the report does not change the choice
}
