// Mixed spaces (issue 14), each piece against an independent reference:
// - log-scaled int levels (space.hpp's log_int_level_edges) snap exactly as SearchSpace decodes
//   and encodes, value by value;
// - the discrete neighbourhood search reaches the brute-force argmax of a score on a small space,
//   and repairs a repeat with its best allowed neighbour;
// - the batch optimizer's proposal on a tiny all-discrete space (its 24 settings enumerated) has
//   the brute-force best expected improvement (closed form) of all unevaluated points, which
//   snapping the relaxed optimum alone misses;
// - a study-like loop on 3 categoricals and a log int never proposes a point that decodes to an
//   evaluated or pending one;
// - Sobol points and proposals in more than 256 encoded dimensions.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "discrete_search.hpp"
#include "normal.hpp"
#include "proposer.hpp"
#include "rng.hpp"
#include "sobol.hpp"
#include "space.hpp"

using namespace quante::opt;
using quante::ParamSpec;
using quante::ParamType;
using quante::SearchSpace;

namespace {

ParamSpec log_int(const std::string& name, double low, double high) {
  ParamSpec p;
  p.name = name;
  p.type = ParamType::Int;
  p.low = low;
  p.high = high;
  p.log = true;
  return p;
}

ParamSpec categorical(const std::string& name, int k) {
  ParamSpec p;
  p.name = name;
  p.type = ParamType::Categorical;
  for (int c = 0; c < k; ++c) p.choices.push_back(name + std::to_string(c));
  return p;
}

ParamSpec real(const std::string& name) {
  ParamSpec p;
  p.name = name;
  p.type = ParamType::Float;
  return p;
}

// The optimizer's view of a search space, as the tuner builds it (proposal_engine.cpp).
DesignSpace design_of(const SearchSpace& space) {
  std::vector<Variable> vars;
  for (const ParamSpec& p : space.params()) {
    if (p.type == ParamType::Float) vars.push_back({VariableKind::Continuous, 0});
    else if (p.type == ParamType::Categorical) vars.push_back({VariableKind::Categorical, p.levels()});
    else if (!p.log) vars.push_back({VariableKind::Integer, p.levels()});
    else vars.push_back({VariableKind::Integer, p.levels(), quante::log_int_level_edges(p)});
  }
  return DesignSpace(std::move(vars));
}

Eigen::VectorXd encoded(const SearchSpace& space, const quante::Params& params) {
  const std::vector<double> u = space.encode(params);
  return Eigen::Map<const Eigen::VectorXd>(u.data(), static_cast<Eigen::Index>(u.size()));
}

std::vector<double> unit(const Eigen::VectorXd& x) { return {x.data(), x.data() + x.size()}; }

}  // namespace

TEST_CASE("Log-scaled int levels snap as the search space decodes", "[mixed]") {
  const ParamSpec p = log_int("n", 1, 300);
  const SearchSpace space({p});
  const DesignSpace design = design_of(space);
  REQUIRE(design.variables()[0].edges.size() == 301);
  for (std::int64_t v = 1; v <= 300; ++v) {
    const Eigen::VectorXd x = encoded(space, {{"n", v}});
    INFO("value " << v);
    CHECK(design.is_valid(x));                      // the encoding is the level's centre
    CHECK(design.level_of(0, x[0]) == v - 1);
    CHECK(std::get<std::int64_t>(space.decode({design.level_centre(0, static_cast<int>(v - 1))}).at("n")) == v);
  }
  Rng rng(5);
  for (int i = 0; i < 2000; ++i) {
    const double u = uniform01(rng);
    CHECK(std::get<std::int64_t>(space.decode({u}).at("n")) == 1 + design.level_of(0, u));
  }
  // Neighbours step one value; bad edges are refused.
  const Eigen::VectorXd x = encoded(space, {{"n", std::int64_t{7}}});
  const auto around = design.neighbours(x);
  REQUIRE(around.size() == 2);
  CHECK(std::get<std::int64_t>(space.decode(unit(around[0])).at("n")) == 6);
  CHECK(std::get<std::int64_t>(space.decode(unit(around[1])).at("n")) == 8);
  CHECK(DesignSpace::check({{VariableKind::Integer, 2, {0.0, 0.7, 0.6}}}).has_value());
  CHECK(DesignSpace::check({{VariableKind::Integer, 2, {0.0, 0.5}}}).has_value());
  CHECK(quante::log_int_level_edges(log_int("wide", 1, 1e6)).empty());  // kept continuous
}

TEST_CASE("Neighbourhood search reaches the brute-force argmax and repairs repeats", "[mixed]") {
  // Two categoricals (4 and 3 choices) and an int of 6 levels: 72 points.
  const DesignSpace space({{VariableKind::Categorical, 4}, {VariableKind::Integer, 6}, {VariableKind::Categorical, 3}});
  const double cat_a[4] = {0.1, -0.4, 0.9, 0.3}, cat_b[3] = {0.2, 0.5, -0.1};
  auto score = [&](const Eigen::VectorXd& x) {
    const int k = space.level_of(1, x[4]);
    return cat_a[space.choice_of(0, x)] + cat_b[space.choice_of(2, x)] - 0.1 * (k - 4) * (k - 4) +
           0.15 * (space.choice_of(0, x) == 2 && space.choice_of(2, x) == 1 ? 1.0 : 0.0);
  };
  // Brute force over all 72 points, with one point barred (the best: a "repeat").
  std::vector<Eigen::VectorXd> all;
  for (int a = 0; a < 4; ++a)
    for (int k = 0; k < 6; ++k)
      for (int b = 0; b < 3; ++b) {
        Eigen::VectorXd x = Eigen::VectorXd::Zero(8);
        x[a] = 1.0;
        x[4] = space.level_centre(1, k);
        x[5 + b] = 1.0;
        all.push_back(x);
      }
  auto best_of = [&](const std::function<bool(const Eigen::VectorXd&)>& allowed) {
    const Eigen::VectorXd* best = nullptr;
    for (const auto& x : all)
      if (allowed(x) && (!best || score(x) > score(*best))) best = &x;
    return *best;
  };
  const Eigen::VectorXd argmax = best_of([](const Eigen::VectorXd&) { return true; });
  Rng rng(8);
  for (int start = 0; start < 20; ++start) {
    const Eigen::VectorXd x0 = space.random_point(rng);
    const auto r = neighbourhood_search(space, x0, score, [](const Eigen::VectorXd&) { return true; }, 20);
    REQUIRE(r);
    CHECK(space.key(r->point) == space.key(argmax));
    CHECK(r->value == Approx(score(argmax)));
  }
  // The argmax is taken: a start there moves to the best allowed point one or two moves away.
  const std::string barred = space.key(argmax);
  auto not_barred = [&](const Eigen::VectorXd& x) { return space.key(x) != barred; };
  const auto repaired = neighbourhood_search(space, argmax, score, not_barred, 0);
  REQUIRE(repaired);
  CHECK(space.key(repaired->point) != barred);
  double best_neighbour = -INFINITY;
  for (const auto& y : space.neighbours(argmax)) best_neighbour = std::max(best_neighbour, score(y));
  CHECK(repaired->value == Approx(best_neighbour));
  // Nothing allowed within two moves: nullopt, the caller falls back.
  CHECK_FALSE(neighbourhood_search(space, argmax, score, [](const Eigen::VectorXd&) { return false; }, 5));
}

TEST_CASE("The proposal on a tiny discrete space has the brute-force best expected improvement", "[mixed]") {
  // 3 x 4 x 2 = 24 points, 6 evaluated; a small pool so that the pool alone need not hold the best.
  const DesignSpace space({{VariableKind::Categorical, 3}, {VariableKind::Integer, 4}, {VariableKind::Categorical, 2}});
  std::vector<Eigen::VectorXd> all;
  for (int a = 0; a < 3; ++a)
    for (int k = 0; k < 4; ++k)
      for (int b = 0; b < 2; ++b) {
        Eigen::VectorXd x = Eigen::VectorXd::Zero(6);
        x[a] = 1.0;
        x[3] = (k + 0.5) / 4;
        x[4 + b] = 1.0;
        all.push_back(x);
      }
  auto f = [](const Eigen::VectorXd& x) {
    return (x[0] - 0.3 * x[1]) + 4 * (x[3] - 0.6) * (x[3] - 0.6) + 0.5 * x[4] * x[0];
  };
  int missed_without_search = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    Rng rng(seed);
    ProposalRequest r;
    std::set<std::string> taken;
    r.X.resize(6, 6);
    r.y.resize(6);
    for (int i = 0; i < 6;) {
      const Eigen::VectorXd x = all[static_cast<std::size_t>(uniform_index(rng, all.size()))];
      if (!taken.insert(space.key(x)).second) continue;
      r.X.row(i) = x.transpose();
      r.y[i] = f(x);
      ++i;
    }
    r.q = 1;
    r.seed = seed;
    for (int moves : {8, 0}) {
      ProposerOptions options;
      options.batch.raw_samples = 3;
      options.batch.raw_batches = 2;
      options.batch.neighbour_moves = moves;
      if (moves == 0) options.batch.enumerate_discrete = 0;  // snap and repair only
      options.batch.report_exact = false;
      Proposer proposer(space, GpOptions{}, options);
      const Proposal p = proposer.propose(r);
      REQUIRE(p.points.rows() == 1);
      // Closed-form EI of every unevaluated point under the fitted model.
      const GaussianProcess& gp = *proposer.model();
      auto ei = [&](const Eigen::VectorXd& x) {
        const Posterior post = gp.posterior(x.transpose());
        const double s = std::sqrt(std::max(post.cov(0, 0), 1e-300));
        const double u = (gp.incumbent() - post.mean[0]) / s;
        return s * (u * normal_cdf(u) + normal_pdf(u));
      };
      double best = -INFINITY;
      for (const auto& x : all)
        if (!taken.count(space.key(x))) best = std::max(best, ei(x));
      const Eigen::VectorXd chosen = p.points.row(0).transpose();
      INFO("seed " << seed << ", neighbour moves " << moves);
      CHECK_FALSE(taken.count(space.key(chosen)));
      if (moves > 0) CHECK(ei(chosen) >= best * (1 - 1e-2));
      else missed_without_search += ei(chosen) < best * (1 - 1e-2) ? 1 : 0;
    }
  }
  // The reference is not trivially met: snapping the relaxed optimum alone misses it somewhere.
  CHECK(missed_without_search > 0);
}

TEST_CASE("A mixed study with three categoricals and a log int never repeats a point", "[mixed]") {
  const SearchSpace space({categorical("opt", 3), categorical("act", 2), categorical("norm", 4),
                           log_int("width", 1, 64), real("dropout")});
  const DesignSpace design = design_of(space);
  // Losses that draw the model into one corner, where repeats would come first.
  auto loss = [&](const quante::Params& p) {
    const double w = static_cast<double>(std::get<std::int64_t>(p.at("width")));
    const double lw = std::log2(w) - 3.0;
    return lw * lw + (std::get<std::string>(p.at("opt")) == "opt1" ? 0.0 : 1.0) +
           (std::get<std::string>(p.at("norm")) == "norm2" ? 0.0 : 0.5) + 0.1 * std::get<double>(p.at("dropout"));
  };
  ProposerOptions options;
  options.batch.report_exact = false;
  Proposer proposer(design, GpOptions{}, options);
  ProposalRequest r;
  r.X.resize(0, design.dim());
  std::set<std::string> seen;
  Rng rng(3);
  auto add = [&](const Eigen::VectorXd& x) {
    const quante::Params p = space.decode(unit(x));
    INFO("point " << space.key(p) << " after " << seen.size());
    REQUIRE(seen.insert(space.key(p)).second);
    r.X.conservativeResize(r.X.rows() + 1, design.dim());
    r.X.row(r.X.rows() - 1) = encoded(space, p).transpose();
    r.y.conservativeResize(r.y.size() + 1);
    r.y[r.y.size() - 1] = loss(p);
  };
  for (int i = 0; i < 4; ++i) add(design.random_point(rng));
  int fallbacks = 0;
  for (int round = 0; round < 10; ++round) {
    r.q = 4;
    r.seed = 100 + static_cast<std::uint64_t>(round);
    const Proposal p = proposer.propose(r);
    REQUIRE(p.points.rows() == 4);
    fallbacks += p.fallbacks;
    for (Eigen::Index i = 0; i < p.points.rows(); ++i) add(p.points.row(i).transpose());
  }
  CHECK(fallbacks == 0);
}

TEST_CASE("More than 256 encoded dimensions: Sobol points and proposals", "[mixed]") {
  const Eigen::MatrixXd s = sobol_points(32, 600, 7);
  REQUIRE(s.cols() == 600);
  CHECK(s.minCoeff() >= 0.0);
  CHECK(s.maxCoeff() < 1.0);
  // Every column is still stratified (one point in each 1/32 slice), and the blocks are not
  // copies of each other in the same order.
  for (Eigen::Index c : {0, 255, 256, 511, 599}) {
    std::set<int> slices;
    for (Eigen::Index i = 0; i < 32; ++i) slices.insert(static_cast<int>(s(i, c) * 32));
    CHECK(slices.size() == 32);
  }
  CHECK(sobol_points(32, 256, 7) == s.leftCols(256));  // up to 256 dimensions: unchanged
  // 60 categoricals of 5 choices and 2 floats: 302 encoded dimensions.
  std::vector<Variable> vars(60, Variable{VariableKind::Categorical, 5});
  vars.push_back({VariableKind::Continuous, 0});
  vars.push_back({VariableKind::Continuous, 0});
  const DesignSpace space(vars);
  REQUIRE(space.dim() == 302);
  Rng rng(11);
  ProposalRequest r;
  r.X.resize(8, space.dim());
  r.y.resize(8);
  for (int i = 0; i < 8; ++i) {
    r.X.row(i) = space.random_point(rng).transpose();
    r.y[i] = r.X.row(i).head(10).sum() + r.X(i, 300);
  }
  r.q = 2;
  r.seed = 4;
  ProposerOptions options;
  options.batch.report_exact = false;
  options.batch.max_iterations = 10;
  Proposer proposer(space, GpOptions{}, options);
  const Proposal p = proposer.propose(r);
  REQUIRE(p.points.rows() == 2);
  for (Eigen::Index i = 0; i < 2; ++i) CHECK(space.is_valid(p.points.row(i).transpose()));
  CHECK(space.key(p.points.row(0).transpose()) != space.key(p.points.row(1).transpose()));
}
