// Batch optimizer and Proposer on a real GP: input gradients through the GP against finite
// differences, pending points, bounds and variable types, no repeats, failed regions, determinism.
#include <catch2/catch.hpp>

#include <Eigen/Cholesky>
#include <cmath>
#include <set>

#include "batch_objective.hpp"
#include "proposer.hpp"
#include "qei_monte_carlo.hpp"
#include "rng.hpp"
#include "sobol.hpp"

using namespace quante::opt;

namespace {

// A smooth 2-d loss with its minimum inside the cube.
double bowl(const Eigen::VectorXd& x) {
  double s = 0.0;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    s += (x[i] - 0.3 - 0.1 * i) * (x[i] - 0.3 - 0.1 * i);
    if (i == 0) s += 0.1 * std::sin(7.0 * x[i]);
  }
  return s;
}

ProposalRequest bowl_request(const DesignSpace& space, int n, int q, std::uint64_t seed) {
  Rng rng(seed);
  ProposalRequest r;
  r.X.resize(n, space.dim());
  r.y.resize(n);
  for (int i = 0; i < n; ++i) {
    r.X.row(i) = space.random_point(rng).transpose();
    r.y[i] = bowl(r.X.row(i).transpose());
  }
  r.q = q;
  r.seed = seed;
  return r;
}

}  // namespace

TEST_CASE("Batch qLogEI and MC qEI gradients w.r.t. X through the GP match finite differences",
          "[gradient][gp]") {
  const DesignSpace space = DesignSpace::continuous(3);
  const ProposalRequest r = bowl_request(space, 15, 3, 5);
  GaussianProcess gp;
  gp.fit(r.X, r.y, 1);
  Eigen::MatrixXd pending(1, 3);
  pending << 0.5, 0.5, 0.5;
  Eigen::MatrixXd x(3, 3);
  x << 0.2, 0.4, 0.6, 0.7, 0.1, 0.3, 0.35, 0.45, 0.55;
  for (auto kind : {BatchAcquisitionKind::QLogEI, BatchAcquisitionKind::QEI}) {
    const BatchObjective obj(gp, pending, sobol_normal(256, 4, 3), kind);
    Eigen::MatrixXd g;
    obj.value_and_gradient(x, g);
    const double h = 1e-6;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        Eigen::MatrixXd up = x, dn = x;
        up(i, j) += h;
        dn(i, j) -= h;
        const double fd = (obj.value(up) - obj.value(dn)) / (2 * h);
        INFO("point " << i << " coordinate " << j);
        CHECK(g(i, j) == Approx(fd).epsilon(1e-3).margin(1e-5));
      }
  }
}

TEST_CASE("Proposer: continuous batch inside the cube, no repeats, deterministic", "[proposer]") {
  const DesignSpace space = DesignSpace::continuous(2);
  Proposer a(space), b(space);
  const ProposalRequest r = bowl_request(space, 12, 4, 9);
  const Proposal pa = a.propose(r), pb = b.propose(r);
  REQUIRE(pa.points.rows() == 4);
  CHECK(pa.points == pb.points);
  CHECK(pa.points.minCoeff() >= 0.0);
  CHECK(pa.points.maxCoeff() <= 1.0);
  CHECK(pa.method == "qei");
  CHECK(std::isfinite(pa.log_qei));
  CHECK(pa.qei_exact >= 0.0);
  CHECK(pa.qei_exact == Approx(pa.qei_mc).margin(0.05 * pa.qei_mc + 1e-4));
  for (int i = 0; i < 4; ++i) {
    CHECK(space.min_distance(pa.points.row(i).transpose(), r.X) > 1e-4);
    for (int j = 0; j < i; ++j) CHECK(space.distance(pa.points.row(i).transpose(), pa.points.row(j).transpose()) > 1e-4);
  }
}

TEST_CASE("Proposer: with one pending point the new point is not put on top of it", "[proposer]") {
  const DesignSpace space = DesignSpace::continuous(2);
  Proposer prop(space);
  ProposalRequest r = bowl_request(space, 15, 1, 21);
  const Proposal first = prop.propose(r);
  REQUIRE(first.points.rows() == 1);
  r.pending = first.points;  // the best single point is now in flight
  const Proposal second = prop.propose(r);
  REQUIRE(second.points.rows() == 1);
  // Not on top of it: the joint qEI gains from a distinct point.
  CHECK(space.distance(second.points.row(0).transpose(), first.points.row(0).transpose()) > 0.02);
}

TEST_CASE("Proposer: integer and categorical types, failed regions and exhaustion", "[proposer]") {
  const DesignSpace space({{VariableKind::Continuous, 0}, {VariableKind::Integer, 3}, {VariableKind::Categorical, 2}});
  Proposer prop(space);
  ProposalRequest r = bowl_request(space, 10, 5, 3);
  r.failed = r.X.topRows(2);
  r.X = r.X.bottomRows(8).eval();
  r.y = r.y.tail(8).eval();
  r.pending = Proposer(space, {}, {ProposalMethod::Random, {}, 1}).propose(bowl_request(space, 0, 2, 4)).points;
  const Proposal p = prop.propose(r);
  REQUIRE(p.points.rows() == 5);
  std::set<std::string> keys;
  for (int i = 0; i < 8; ++i) keys.insert(space.key(r.X.row(i).transpose()));
  for (int i = 0; i < r.pending.rows(); ++i) keys.insert(space.key(r.pending.row(i).transpose()));
  for (int i = 0; i < 5; ++i) {
    const Eigen::VectorXd x = p.points.row(i).transpose();
    CHECK(space.is_valid(x));
    CHECK(keys.insert(space.key(x)).second);  // not evaluated, pending, or repeated
    CHECK(space.min_distance(x, r.failed) >= 0.05);
  }
  for (auto method : {ProposalMethod::RandomBatches, ProposalMethod::Random}) {
    Proposer other(space, {}, {method, {}, 50});
    const Proposal o = other.propose(r);
    REQUIRE(o.points.rows() == 5);
    for (int i = 0; i < 5; ++i) CHECK(space.is_valid(o.points.row(i).transpose()));
  }
  // An all-discrete space with 6 points, 4 evaluated: only 2 can be proposed.
  const DesignSpace tiny({{VariableKind::Integer, 3}, {VariableKind::Categorical, 2}});
  ProposalRequest t;
  t.X.resize(4, 3);
  t.X << 1.0 / 6, 1, 0, 0.5, 1, 0, 5.0 / 6, 1, 0, 1.0 / 6, 0, 1;
  t.y = Eigen::Vector4d(1.0, 0.5, 0.7, 0.2);
  t.q = 3;
  Proposer tp(tiny);
  const Proposal tpp = tp.propose(t);
  CHECK(tpp.points.rows() == 2);
  std::set<std::string> seen;
  for (int i = 0; i < 4; ++i) seen.insert(tiny.key(t.X.row(i).transpose()));
  for (int i = 0; i < tpp.points.rows(); ++i) CHECK(seen.insert(tiny.key(tpp.points.row(i).transpose())).second);
}

TEST_CASE("Proposer: bad requests are reported as values", "[proposer]") {
  Proposer prop(DesignSpace::continuous(2));
  ProposalRequest r;
  r.X = Eigen::MatrixXd::Constant(3, 3, 0.5);
  r.y = Eigen::VectorXd::Ones(3);
  CHECK(prop.check(r).has_value());
  r.X = Eigen::MatrixXd::Constant(3, 2, 0.5);
  r.y = Eigen::VectorXd::Ones(2);
  CHECK(prop.check(r).has_value());
  r.y = Eigen::VectorXd::Ones(3);
  r.q = 0;
  CHECK(prop.check(r).has_value());
  CHECK_THROWS_AS(prop.propose(r), std::invalid_argument);
  CHECK(parse_proposal_method("random_batches") == ProposalMethod::RandomBatches);
  CHECK_FALSE(parse_proposal_method("bogus").has_value());
}

TEST_CASE("Proposer: appended observations update the kept GP by rank-one steps, refits on schedule",
          "[proposer][schedule]") {
  const DesignSpace space = DesignSpace::continuous(2);
  ProposerOptions options;
  options.refit_every = 3;
  options.refit_growth = 0.0;
  Proposer prop(space, {}, options);
  const ProposalRequest all = bowl_request(space, 20, 1, 31);
  auto first = [&](int n) {
    ProposalRequest r = all;
    r.X = all.X.topRows(n).eval();
    r.y = all.y.head(n).eval();
    return r;
  };

  const Proposal p0 = prop.propose(first(12));
  CHECK(p0.model_update == "fit");
  REQUIRE(p0.fit.has_value());
  CHECK(p0.fit_ms >= 0.0);
  CHECK(p0.acquisition_ms > 0.0);
  const Eigen::VectorXd theta = prop.model()->kernel().log_values();

  // Two appended points: below refit_every = 3, so rank-one updates with the same hyperparameters.
  for (int n : {13, 14}) {
    const Proposal p = prop.propose(first(n));
    INFO("n = " << n);
    CHECK(p.model_update == "rank_one");
    CHECK_FALSE(p.fit.has_value());
    CHECK(prop.model()->size() == n);
    CHECK(prop.model()->kernel().log_values() == theta);
  }
  // The updated model equals a direct GP computation with those hyperparameters on all 14 points
  // (targets through the kept output transform).
  {
    const GaussianProcess& gp = *prop.model();
    const Eigen::MatrixXd X = all.X.topRows(14);
    Eigen::VectorXd z(14);
    for (int i = 0; i < 14; ++i) z[i] = gp.transform_loss(all.y[i]);
    Eigen::MatrixXd K = gp.kernel().train(X);
    K.diagonal().array() += gp.jitter();
    const Eigen::LLT<Eigen::MatrixXd> llt(K);
    Eigen::MatrixXd Xq(3, 2);
    Xq << 0.1, 0.9, 0.5, 0.5, 0.77, 0.23;
    const Eigen::MatrixXd Ks = gp.kernel().cross(X, Xq);
    const Eigen::VectorXd mean = Ks.transpose() * llt.solve(z);
    const Eigen::MatrixXd cov = gp.kernel().cross(Xq, Xq) - Ks.transpose() * llt.solve(Ks);
    const Posterior p = gp.posterior(Xq);
    for (int i = 0; i < 3; ++i) {
      CHECK(p.mean[i] == Approx(mean[i]).margin(1e-8));
      for (int j = 0; j < 3; ++j) CHECK(p.cov(i, j) == Approx(cov(i, j)).margin(1e-8));
    }
    CHECK(gp.incumbent() == Approx(z.minCoeff()).margin(1e-12));
  }
  // The third appended point since the fit reaches refit_every: hyperparameters refitted.
  CHECK(prop.propose(first(15)).model_update == "fit");
  // The same data again: nothing to do; a changed loss is not an append: refit.
  CHECK(prop.propose(first(15)).model_update == "kept");
  ProposalRequest changed = first(16);
  changed.y[3] += 0.5;
  CHECK(prop.propose(changed).model_update == "fit");
  // Growth trigger: 25% of the 16 points at the last fit = 4 points.
  ProposerOptions growth;
  growth.refit_every = 1;
  growth.refit_growth = 0.25;
  Proposer g(space, {}, growth);
  CHECK(g.propose(first(16)).model_update == "fit");
  for (int n = 17; n <= 19; ++n) CHECK(g.propose(first(n)).model_update == "rank_one");
  CHECK(g.propose(first(20)).model_update == "fit");
  // refit_every = 1 and no growth rule: every call that adds a point refits.
  ProposerOptions every;
  every.refit_every = 1;
  every.refit_growth = 0.0;
  Proposer e(space, {}, every);
  for (int n = 12; n <= 14; ++n) CHECK(e.propose(first(n)).model_update == "fit");
}

TEST_CASE("Proposer: in higher dimensions one point in four stays in the trust region of the best",
          "[proposer][trust_region]") {
  const int d = 6;
  const DesignSpace space = DesignSpace::continuous(d);
  ProposerOptions options;
  options.batch.trust_region_length = 0.02;  // a small region, far smaller than the cube
  Proposer prop(space, {}, options);
  const ProposalRequest r = bowl_request(space, 24, 4, 41);  // 24 + 4: one region point due
  const Proposal p = prop.propose(r);
  REQUIRE(p.points.rows() == 4);
  // The documented box: sides 0.02 * l_k / geomean(l) around the best observed point (halvings
  // only shrink it).
  Eigen::VectorXd w(d);
  prop.model()->kernel().for_each_hyperparameter([&](const Hyperparameter& h) {
    if (h.name.rfind("length_scale[", 0) == 0) w[std::stoi(h.name.substr(13))] = std::exp(h.value);
  });
  w /= std::exp(w.array().log().mean());
  Eigen::Index best = 0;
  r.y.minCoeff(&best);
  const Eigen::VectorXd centre = r.X.row(best).transpose();
  const Eigen::VectorXd x = p.points.row(0).transpose();
  for (int k = 0; k < d; ++k) {
    INFO("coordinate " << k);
    CHECK(std::abs(x[k] - centre[k]) <= 0.5 * 0.02 * w[k] + 1e-9);
  }
  CHECK(space.min_distance(x, r.X) > 1e-4);
  // With the region off, the same request is free to go anywhere (and is not forced there).
  ProposerOptions off = options;
  off.batch.trust_region_min_dim = 0;
  const Proposal free = Proposer(space, {}, off).propose(r);
  REQUIRE(free.points.rows() == 4);
  bool all_inside = true;
  for (int k = 0; k < d; ++k) all_inside &= std::abs(free.points(0, k) - centre[k]) <= 0.5 * 0.02 * w[k] + 1e-9;
  CHECK_FALSE(all_inside);
}

TEST_CASE("Proposer: a bulk batch screener (the GPU's hook) is used, and sees the pending points in every batch",
          "[proposer]") {
  const DesignSpace space = DesignSpace::continuous(3);
  ProposerOptions options;
  int calls = 0;
  std::size_t batches_seen = 0;
  bool pending_in_every_batch = true;
  // A CPU stand-in for the GPU screener: MC qEI of each sub-block.
  options.batch.screen_batches = 500;
  options.batch.screen = [&](const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov,
                             const std::vector<std::vector<int>>& batches, double incumbent,
                             const Eigen::MatrixXd& base_samples) {
    ++calls;
    batches_seen += batches.size();
    const int total = static_cast<int>(mean.size());
    std::vector<double> scores;
    for (const auto& b : batches) {
      const int m = static_cast<int>(b.size());
      pending_in_every_batch &= m == 3 && b[1] == total - 2 && b[2] == total - 1;
      Eigen::VectorXd mu(m);
      Eigen::MatrixXd c(m, m);
      for (int i = 0; i < m; ++i) {
        mu[i] = mean[b[static_cast<std::size_t>(i)]];
        for (int j = 0; j < m; ++j) c(i, j) = cov(b[static_cast<std::size_t>(i)], b[static_cast<std::size_t>(j)]);
      }
      scores.push_back(qei_monte_carlo(mu, c, incumbent, base_samples, false).value);
    }
    return scores;
  };
  Proposer with(space, {}, options), without(space);
  ProposalRequest r = bowl_request(space, 14, 1, 5);
  r.pending = without.propose(bowl_request(space, 14, 2, 6)).points;  // two points in flight
  REQUIRE(r.pending.rows() == 2);
  const Proposal p = with.propose(r);
  CHECK(calls == 1);
  CHECK(batches_seen == 500);
  CHECK(pending_in_every_batch);
  REQUIRE(p.points.rows() == 1);
  CHECK(space.min_distance(p.points.row(0).transpose(), r.X) > 1e-4);
  CHECK(space.min_distance(p.points.row(0).transpose(), r.pending) > 1e-4);
  // Deterministic with the screener too.
  Proposer again(space, {}, options);
  CHECK(again.propose(r).points == p.points);
}

TEST_CASE("Proposer: a screener that declines (no scores) leaves the proposal as without one", "[proposer]") {
  const DesignSpace space = DesignSpace::continuous(3);
  ProposerOptions options;
  int calls = 0;
  options.batch.screen = [&](const Eigen::VectorXd&, const Eigen::MatrixXd&, const std::vector<std::vector<int>>&, double,
                             const Eigen::MatrixXd&) {
    ++calls;
    return std::vector<double>{};
  };
  Proposer declining(space, {}, options), plain(space);
  const ProposalRequest r = bowl_request(space, 14, 3, 12);
  CHECK(declining.propose(r).points == plain.propose(r).points);
  CHECK(calls == 1);
}
