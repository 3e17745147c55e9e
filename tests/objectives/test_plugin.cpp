// plugin objectives: the example plugin (examples/plugin) and the broken ones of bad_plugin.cpp.
#include <catch2/catch.hpp>
#include <thread>

#include "made_objective.hpp"
#include "objectives/objective.hpp"
#include "recording_reporter.hpp"

using namespace quante::worker;
using namespace std::chrono_literals;
using quante::Params;
using quante::test::RecordingReporter;

namespace {

const std::string kExample = QUANTE_EXAMPLE_PLUGIN;

std::unique_ptr<Objective> make_plugin(const std::string& target,
                                       std::chrono::milliseconds timeout = 10s) {
  ObjectiveContext context;
  context.timeout = timeout;
  return quante::test::made_objective("plugin:" + target, context);
}

}  // namespace

TEST_CASE("plugin: the example plugin loads and evaluates Rosenbrock", "[plugin]") {
  auto plugin = make_plugin(kExample);
  CHECK(plugin->describe() == "plugin:" + kExample);
  const auto at_min = plugin->evaluate("J1", {{"x0", 1.0}, {"x1", 1.0}});
  INFO(at_min.error);
  REQUIRE(at_min.ok);
  CHECK(at_min.loss == 0.0);
  CHECK(plugin->evaluate("J2", {{"x0", -1.2}, {"x1", std::int64_t{1}}}).loss == Approx(24.2));
  CHECK(plugin->evaluate("J3", {{"x0", 0.0}, {"x1", 0.0}, {"x2", 0.0}}).loss == Approx(2.0));
}

TEST_CASE("plugin: the config after '?' reaches quante_setup", "[plugin]") {
  auto noisy = make_plugin(kExample + "?noise=0.5,seed=7");
  CHECK(noisy->describe() == "plugin:" + kExample + "?noise=0.5,seed=7");
  const auto a = noisy->evaluate("J1", {{"x0", 1.0}, {"x1", 1.0}});
  const auto b = noisy->evaluate("J2", {{"x0", 1.0}, {"x1", 1.0}});
  REQUIRE(a.ok);
  REQUIRE(b.ok);
  CHECK(a.loss != 0.0);
  CHECK(a.loss != b.loss);

  const auto bad = make_objective("plugin:" + kExample + "?colour=blue", {});
  CHECK_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("quante_setup failed: bad config: unknown config key"));

  ObjectiveContext context;
  context.config = "noise=oops";
  const auto from_context = make_objective("plugin:" + kExample, context);
  CHECK_FALSE(from_context);
  CHECK_THAT(from_context.error().message, Catch::Contains("bad config"));
}

TEST_CASE("plugin: a nonzero return fails the job with the plugin's message", "[plugin]") {
  auto plugin = make_plugin(kExample);
  const auto too_few = plugin->evaluate("J1", {{"x0", 1.0}});
  CHECK_FALSE(too_few.ok);
  CHECK(too_few.failure == FailureKind::Objective);
  CHECK_THAT(too_few.error, Catch::Contains("expects params x0..x{d-1}"));
  // The example catches its own exception (a string where it wants a number) and reports it.
  const auto category = plugin->evaluate("J2", {{"x0", std::string("relu")}, {"x1", 1.0}});
  CHECK(category.failure == FailureKind::Objective);
  CHECK_THAT(category.error, Catch::Contains("type must be number"));
  CHECK(plugin->evaluate("J3", {{"x0", 1.0}, {"x1", 1.0}}).ok);
}

TEST_CASE("plugin: timeouts and cancel() stop a long evaluation", "[plugin]") {
  auto plugin = make_plugin(kExample, 200ms);
  auto started = std::chrono::steady_clock::now();
  const auto late = plugin->evaluate("J1", {{"x0", 1.0}, {"x1", 1.0}, {"sleep_ms", 60000.0}});
  CHECK(late.failure == FailureKind::Timeout);
  CHECK_THAT(late.error, Catch::Contains("no answer within 200 ms"));
  CHECK(std::chrono::steady_clock::now() - started < 3s);
  // quante_cancel made the call return, so the next job runs at once.
  CHECK(plugin->evaluate("J2", {{"x0", 1.0}, {"x1", 1.0}}).ok);

  auto patient = make_plugin(kExample, 60s);
  started = std::chrono::steady_clock::now();
  std::thread canceller([&patient] { patient->cancel(); });
  const auto cancelled = patient->evaluate("J3", {{"x0", 1.0}, {"x1", 1.0}, {"sleep_ms", 60000.0}});
  canceller.join();
  CHECK(cancelled.failure == FailureKind::Timeout);
  CHECK_THAT(cancelled.error, Catch::Contains("cancelled"));
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  CHECK(patient->evaluate("J4", {{"x0", 1.0}, {"x1", 1.0}}).ok);
}

TEST_CASE("plugin: broken plugins are refused with a clear error", "[plugin]") {
  const auto missing = make_objective(std::string("plugin:") + QUANTE_PLUGIN_MISSING_SYMBOL, {});
  CHECK_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("lacks the symbol(s) quante_teardown"));

  const auto abi = make_objective(std::string("plugin:") + QUANTE_PLUGIN_BAD_ABI, {});
  CHECK_FALSE(abi);
  CHECK_THAT(abi.error().message, Catch::Contains("has ABI version 999, this worker speaks versions 1 to 2"));

  const auto setup = make_objective(std::string("plugin:") + QUANTE_PLUGIN_SETUP_FAILS, {});
  CHECK_FALSE(setup);
  CHECK_THAT(setup.error().message, Catch::Contains("quante_setup failed: no data set at /nowhere"));

  const auto absent = make_objective("plugin:/nonexistent/libquante_nothing.so", {});
  CHECK_FALSE(absent);
  CHECK_THAT(absent.error().message, Catch::Contains("cannot load plugin /nonexistent/libquante_nothing.so"));
}

TEST_CASE("plugin: an exception thrown across the C ABI fails the job, not the worker",
          "[plugin]") {
  auto thrower = make_plugin(QUANTE_PLUGIN_THROWS);
  const auto evaluation = thrower->evaluate("J1", {});
  CHECK_FALSE(evaluation.ok);
  CHECK(evaluation.failure == FailureKind::Crashed);
  CHECK_THAT(evaluation.error, Catch::Contains("boom from the plugin"));
}

TEST_CASE("plugin: a plugin of ABI version 1 still loads and runs", "[plugin][curve]") {
  auto old = make_plugin(QUANTE_PLUGIN_ABI_V1);
  RecordingReporter reporter(10);
  const auto evaluation = old->evaluate("J1", {}, reporter);
  INFO(evaluation.error);
  REQUIRE(evaluation.ok);
  CHECK(evaluation.loss == 1.0);
  CHECK(reporter.reports().empty());
  CHECK_FALSE(evaluation.stopped_at);
}

TEST_CASE("plugin: quante_evaluate_v2 reports its curve and stops when told", "[plugin][curve]") {
  auto plugin = make_plugin(kExample);
  const Params at_min = {{"x0", 1.0}, {"x1", 1.0}};
  SECTION("to max_steps") {
    RecordingReporter reporter(4);
    const auto evaluation = plugin->evaluate("J1", at_min, reporter);
    REQUIRE(evaluation.ok);
    CHECK(evaluation.loss == 0.0);
    const auto reports = reporter.reports();
    REQUIRE(reports.size() == 4);
    CHECK(reports[0].step == 1);
    CHECK(reports[0].loss == 0.75);
    CHECK(reports[3].loss == 0.0);
  }
  SECTION("stopped at step 2") {
    RecordingReporter reporter(4, RecordingReporter::stop_at_step(2));
    const auto evaluation = plugin->evaluate("J1", at_min, reporter);
    REQUIRE(evaluation.ok);
    CHECK(evaluation.loss == 0.5);
    REQUIRE(evaluation.stopped_at);
    CHECK(*evaluation.stopped_at == 2);
    CHECK(reporter.reports().size() == 2);
  }
  SECTION("without max_steps: the plugin's own steps") {
    Params params = at_min;
    params["steps"] = std::int64_t{3};
    RecordingReporter reporter;
    REQUIRE(plugin->evaluate("J1", params, reporter).ok);
    CHECK(reporter.reports().size() == 3);
  }
  SECTION("a reporter that never stops a slow curve: the timeout still holds, reports end") {
    auto slow = make_plugin(kExample, 300ms);
    RecordingReporter reporter(1000);
    Params params = at_min;
    params["step_ms"] = 50.0;
    const auto started = std::chrono::steady_clock::now();
    const auto late = slow->evaluate("J1", params, reporter);
    CHECK(late.failure == FailureKind::Timeout);
    CHECK(std::chrono::steady_clock::now() - started < 3s);
    const auto seen = reporter.reports().size();
    CHECK(seen >= 1);
    CHECK(seen < 10);
    CHECK(slow->evaluate("J2", at_min).ok);  // the call returned (cancelled); the plugin serves on
    CHECK(reporter.reports().size() == seen);  // no report reached the old reporter afterwards
  }
  SECTION("cancel during a report wait") {
    RecordingReporter reporter(1000, [&plugin](const auto&, std::size_t index) {
      if (index == 2) plugin->cancel();
      return true;
    });
    Params params = at_min;
    params["step_ms"] = 1.0;
    const auto cancelled = plugin->evaluate("J1", params, reporter);
    CHECK(cancelled.failure == FailureKind::Timeout);
    CHECK_THAT(cancelled.error, Catch::Contains("cancelled"));
    CHECK(reporter.reports().size() == 3);
    CHECK(plugin->evaluate("J2", at_min).ok);
  }
}
