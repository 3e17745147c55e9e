// builtin:curve:FUNCTION: the learning curve reaches f(x) exactly at max_steps, curves of some
// points cross, early losses rank points informatively but not perfectly, and stops are obeyed.
#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "made_objective.hpp"
#include "objectives/curve_objective.hpp"
#include "recording_reporter.hpp"

using namespace quante::worker;
using namespace std::chrono_literals;
using quante::Params;
using quante::test::RecordingReporter;

namespace {

std::unique_ptr<Objective> make(const std::string& spec, const ObjectiveContext& context = {}) {
  return quante::test::made_objective(spec, context);
}

// Points spread over branin's domain, from a seeded generator.
std::vector<std::vector<double>> branin_points(int n) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> x0(-5.0, 10.0), x1(0.0, 15.0);
  std::vector<std::vector<double>> points;
  for (int i = 0; i < n; ++i) points.push_back({x0(rng), x1(rng)});
  return points;
}

}  // namespace

TEST_CASE("curve: reports every step and ends at f(x) exactly", "[curve]") {
  auto curve = make("builtin:curve:branin");
  CHECK(curve->describe() == "builtin:curve:branin");
  const auto branin = *quante::find_test_function("branin");
  const Params params = {{"x0", 1.5}, {"x1", 7.0}};
  RecordingReporter reporter(20);
  const auto evaluation = curve->evaluate("J1", params, reporter);
  REQUIRE(evaluation.ok);
  CHECK(evaluation.loss == branin.f({1.5, 7.0}));  // exactly, not approximately
  CHECK_FALSE(evaluation.stopped_at);
  const auto reports = reporter.reports();
  REQUIRE(reports.size() == 20);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    CHECK(reports[i].step == static_cast<std::int64_t>(i + 1));
    if (i > 0) CHECK(reports[i].loss < reports[i - 1].loss);  // falls monotonically
  }
  CHECK(reports.back().loss == evaluation.loss);

  RecordingReporter none;  // no max_steps: 50 steps
  REQUIRE(curve->evaluate("J2", params, none).ok);
  CHECK(none.reports().size() == static_cast<std::size_t>(CurveObjective::kDefaultSteps));
  for (const auto& point : branin_points(50))
    CHECK(curve_loss(branin, point, branin.f(point), 7, 7) == branin.f(point));
}

TEST_CASE("curve: a stop ends the run at once with the last loss", "[curve]") {
  auto curve = make("builtin:curve:hartmann6");
  Params params;
  for (int i = 0; i < 6; ++i) params["x" + std::to_string(i)] = 0.1 * (i + 1);
  RecordingReporter reporter(30, RecordingReporter::stop_at_step(4));
  const auto evaluation = curve->evaluate("J1", params, reporter);
  REQUIRE(evaluation.ok);
  REQUIRE(evaluation.stopped_at);
  CHECK(*evaluation.stopped_at == 4);
  REQUIRE(reporter.reports().size() == 4);
  CHECK(evaluation.loss == reporter.reports().back().loss);
  CHECK(evaluation.metrics.at("steps") == 4.0);
}

TEST_CASE("curve: curves cross, and early ranking is informative but imperfect", "[curve]") {
  const auto branin = *quante::find_test_function("branin");
  const auto points = branin_points(60);
  const std::int64_t total = 50, early = 5;
  int crossings = 0, concordant = 0, pairs = 0;
  for (std::size_t a = 0; a < points.size(); ++a) {
    for (std::size_t b = a + 1; b < points.size(); ++b) {
      const double fa = branin.f(points[a]), fb = branin.f(points[b]);
      const double ea = curve_loss(branin, points[a], fa, early, total);
      const double eb = curve_loss(branin, points[b], fb, early, total);
      ++pairs;
      if ((ea < eb) == (fa < fb)) ++concordant;
      // Crossing: the order at step 1 differs from the order at the end.
      const double sa = curve_loss(branin, points[a], fa, 1, total), sb = curve_loss(branin, points[b], fb, 1, total);
      if ((sa < sb) != (fa < fb)) ++crossings;
    }
  }
  CHECK(crossings > 0);
  const double agreement = static_cast<double>(concordant) / pairs;
  INFO("early/final rank agreement " << agreement << ", crossings " << crossings << " of " << pairs);
  CHECK(agreement > 0.6);
  CHECK(agreement < 0.99);
}

TEST_CASE("curve: step_ms, cancel and bad params", "[curve]") {
  ObjectiveContext context;
  context.timeout = 10s;
  auto curve = make("builtin:curve:branin", context);
  const auto started = std::chrono::steady_clock::now();
  RecordingReporter reporter(5);
  REQUIRE(curve->evaluate("J1", {{"x0", 0.0}, {"x1", 0.0}, {"step_ms", std::int64_t{20}}}, reporter).ok);
  CHECK(std::chrono::steady_clock::now() - started >= 100ms);

  RecordingReporter canceller(1000, [&curve](const auto&, std::size_t index) {
    if (index == 1) curve->cancel();
    return true;
  });
  const auto cancelled = curve->evaluate("J2", {{"x0", 0.0}, {"x1", 0.0}, {"step_ms", 1.0}}, canceller);
  CHECK(cancelled.failure == FailureKind::Timeout);
  CHECK(canceller.reports().size() == 2);

  CHECK(curve->evaluate("J3", {{"x0", 0.0}}).failure == FailureKind::Objective);
  CHECK(curve->evaluate("J4", {{"x0", 0.0}, {"x1", 0.0}, {"step_ms", -1.0}}).failure == FailureKind::Objective);
  CHECK(curve->evaluate("J5", {{"x0", 0.0}, {"x1", 0.0}, {"lr", 1.0}}).failure == FailureKind::Objective);
  CHECK_THAT(make_objective("builtin:curve:nothing", {}).error().message, Catch::Contains("unknown builtin function"));
}
