// quante::carlo, the in-process API: budget respected, failures recorded and survived,
// maximisation, determinism with one thread, and bad options refused.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <set>

#include "local_run.hpp"

using namespace quante;

namespace {
SearchSpace quadratic_space() {
  return SearchSpace({{"x", ParamType::Float, -3, 3, false, {}}, {"n", ParamType::Int, 1, 8, false, {}}});
}
double quadratic(const Params& p) {
  const double x = std::get<double>(p.at("x"));
  const auto n = std::get<std::int64_t>(p.at("n"));
  return (x - 0.5) * (x - 0.5) + 0.1 * static_cast<double>((n - 3) * (n - 3));
}
}  // namespace

TEST_CASE("carlo evaluates exactly the budget and finds a good point", "[local]") {
  std::atomic<int> calls{0};
  LocalOptions o;
  o.budget = 24;
  o.batch = 3;
  o.threads = 3;
  o.seed = 4;
  const auto history = carlo([&](const Params& p) { ++calls; return quadratic(p); }, quadratic_space(), o);
  REQUIRE(history.size() == 24);
  CHECK(calls == 24);
  std::set<std::string> jobs, points;
  double best = INFINITY;
  for (std::size_t i = 0; i < history.size(); ++i) {
    CHECK(history[i].index == static_cast<int>(i));
    jobs.insert(history[i].job);
    points.insert(quadratic_space().key(history[i].params));
    best = std::min(best, *history[i].loss);
  }
  CHECK(jobs.size() == 24);
  CHECK(points.size() == 24);  // no point evaluated twice
  CHECK(best < 0.05);
}

TEST_CASE("carlo records throwing and non-finite evaluations and carries on", "[local]") {
  LocalOptions o;
  o.budget = 12;
  o.batch = 2;
  o.threads = 2;
  const auto history = carlo(
      [](const Params& p) {
        const double x = std::get<double>(p.at("x"));
        if (x < -1.5) throw std::runtime_error("diverged");
        if (x > 2.0) return std::nan("");
        return x * x;
      },
      quadratic_space(), o);
  REQUIRE(history.size() == 12);
  int failed = 0;
  for (const auto& r : history) {
    if (r.ok()) continue;
    ++failed;
    CHECK_FALSE(r.loss);
    CHECK((r.error == "diverged" || r.error == "non-finite loss"));
  }
  CHECK(failed > 0);
}

TEST_CASE("carlo maximises when asked", "[local]") {
  LocalOptions o;
  o.budget = 20;
  o.batch = 2;
  o.threads = 2;
  o.maximize = true;
  o.seed = 9;
  const auto history = carlo([](const Params& p) { return -quadratic(p); }, quadratic_space(), o);
  double best = -INFINITY;
  for (const auto& r : history) best = std::max(best, *r.loss);
  CHECK(best > -0.1);
}

TEST_CASE("carlo with one thread and batch 1 is deterministic given the seed", "[local]") {
  LocalOptions o;
  o.budget = 10;
  o.batch = 1;
  o.threads = 1;
  o.seed = 21;
  const auto a = carlo(quadratic, quadratic_space(), o);
  const auto b = carlo(quadratic, quadratic_space(), o);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].params == b[i].params);
}

TEST_CASE("carlo refuses bad options", "[local]") {
  LocalOptions o;
  o.kernel = "Matern(nu=3)";
  CHECK_THROWS_AS(carlo(quadratic, quadratic_space(), o), std::invalid_argument);
  o = LocalOptions{};
  o.budget = 0;
  CHECK_THROWS_AS(carlo(quadratic, quadratic_space(), o), std::invalid_argument);
}
