// Builtin objectives, make_objective's spec errors and parse_objective_option.
#include <catch2/catch.hpp>
#include <thread>

#include "made_objective.hpp"
#include "objectives/objective.hpp"

using namespace quante::worker;
using namespace std::chrono_literals;
using quante::Params;

namespace {

std::unique_ptr<Objective> make(const std::string& spec, const ObjectiveContext& context = {}) {
  return quante::test::made_objective(spec, context);
}

}  // namespace

TEST_CASE("builtin objectives evaluate their function", "[builtin]") {
  auto branin = make("builtin:branin");
  CHECK(branin->describe() == "builtin:branin");
  const auto at_min = branin->evaluate("J1", {{"x0", M_PI}, {"x1", 2.275}});
  REQUIRE(at_min.ok);
  CHECK(at_min.failure == FailureKind::None);
  CHECK(at_min.loss == Approx(0.397887).epsilon(1e-6));
  // Integers are numbers too.
  CHECK(branin->evaluate("J2", {{"x0", std::int64_t{0}}, {"x1", std::int64_t{0}}}).loss ==
        Approx(55.602112642270264));
  // A hair outside the domain (rounding in the tuner) is clamped, not refused.
  CHECK(branin->evaluate("J3", {{"x0", 10.0 + 1e-12}, {"x1", 0.0}}).ok);

  auto ackley = make("builtin:ackley5");
  Params origin;
  for (int i = 0; i < 5; ++i) origin["x" + std::to_string(i)] = 0.0;
  CHECK(ackley->evaluate("J4", origin).loss == Approx(0.0).margin(1e-12));

  auto noop = make("builtin:noop");
  const auto any = noop->evaluate("J5", {{"lr", 0.1}, {"act", std::string("relu")}});
  CHECK(any.ok);
  CHECK(any.loss == 0.0);
}

TEST_CASE("builtin objectives fail a bad job with an error naming the parameter", "[builtin]") {
  auto branin = make("builtin:branin");
  struct Case {
    Params params;
    const char* says;
  };
  const std::vector<Case> cases{
      {{{"x0", 1.0}}, "missing parameter x1"},
      {{{"x0", 1.0}, {"x1", 1.0}, {"lr", 0.1}}, "unexpected parameter lr"},
      {{{"x0", 1.0}, {"x1", 1.0}, {"x2", 0.1}}, "unexpected parameter x2"},
      {{{"x0", 1.0}, {"x1", std::string("relu")}}, "parameter x1 is the category \"relu\""},
      {{{"x0", 11.0}, {"x1", 1.0}}, "parameter x0 = 11 is outside branin's domain [-5, 10]"},
      {{{"x0", 1.0}, {"x1", -0.5}}, "parameter x1 = -0.5 is outside"},
      {{{"x0", std::nan("")}, {"x1", 1.0}}, "parameter x0 is not finite"},
      {{}, "missing parameter x0"},
  };
  for (const auto& c : cases) {
    INFO(quante::to_string(c.params));
    const auto evaluation = branin->evaluate("J", c.params);
    CHECK_FALSE(evaluation.ok);
    CHECK(evaluation.failure == FailureKind::Objective);
    CHECK(std::isnan(evaluation.loss));
    CHECK_THAT(evaluation.error, Catch::Contains(c.says));
  }
}

TEST_CASE("builtin:delay sleeps duration_ms, and honours timeout and cancel", "[builtin]") {
  ObjectiveContext context;
  context.timeout = 300ms;
  auto delayed = make("builtin:delay:branin", context);
  CHECK(delayed->describe() == "builtin:delay:branin");

  auto started = std::chrono::steady_clock::now();
  const auto slept = delayed->evaluate("J1", {{"x0", M_PI}, {"x1", 2.275}, {"duration_ms", 50.0}});
  CHECK(slept.ok);
  CHECK(slept.loss == Approx(0.397887).epsilon(1e-6));
  CHECK(std::chrono::steady_clock::now() - started >= 50ms);

  CHECK(delayed->evaluate("J2", {{"x0", 0.0}, {"x1", 0.0}}).ok);  // default: no delay

  started = std::chrono::steady_clock::now();
  const auto late =
      delayed->evaluate("J3", {{"x0", 0.0}, {"x1", 0.0}, {"duration_ms", std::int64_t{60000}}});
  CHECK_FALSE(late.ok);
  CHECK(late.failure == FailureKind::Timeout);
  CHECK_THAT(late.error, Catch::Contains("overran the timeout of 300 ms"));
  CHECK(std::chrono::steady_clock::now() - started < 2s);

  const auto negative = delayed->evaluate("J4", {{"x0", 0.0}, {"x1", 0.0}, {"duration_ms", -1.0}});
  CHECK(negative.failure == FailureKind::Objective);
  CHECK_THAT(negative.error, Catch::Contains("duration_ms"));

  // cancel() from another thread ends a long sleep; the objective works again afterwards.
  context.timeout = 60s;
  auto slow = make("builtin:delay:noop", context);
  started = std::chrono::steady_clock::now();
  std::thread canceller([&slow] { slow->cancel(); });
  const auto cancelled = slow->evaluate("J5", {{"duration_ms", 60000.0}});
  canceller.join();
  CHECK_FALSE(cancelled.ok);
  CHECK(cancelled.failure == FailureKind::Timeout);
  CHECK_THAT(cancelled.error, Catch::Contains("cancelled"));
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  CHECK(slow->evaluate("J6", {{"duration_ms", 1.0}}).ok);
}

TEST_CASE("make_objective names the problem with a bad spec", "[objective]") {
  struct Case {
    const char* spec;
    const char* says;
  };
  for (const Case& c :
       {Case{"builtin:nosuch", "unknown builtin function \"nosuch\""},
        Case{"builtin:delay:nosuch", "unknown builtin function \"nosuch\""},
        Case{"builtin:", "unknown builtin function \"\""}, Case{"exec:", "empty command"},
        Case{"exec:   ", "empty command"}, Case{"plugin:", "no library path"},
        Case{"plugin:/nonexistent/libx.so", "cannot load plugin /nonexistent/libx.so"},
        Case{"python3 train.py", "unknown objective spec"}, Case{"", "unknown objective spec"}}) {
    INFO(c.spec);
    const auto made = make_objective(c.spec, {});
    CHECK_FALSE(made);
    CHECK_THAT(made.error().message, Catch::Contains(c.says));
  }
  CHECK_THAT(make_objective("builtin:nosuch", {}).error().message, Catch::Contains("hartmann6"));
  ObjectiveContext zero;
  zero.timeout = 0ms;
  CHECK_THAT(make_objective("builtin:branin", zero).error().message, Catch::Contains("timeout"));
}

TEST_CASE("parse_objective_option splits NAME=SPEC", "[objective]") {
  auto named = parse_objective_option("h6=builtin:hartmann6");
  REQUIRE(named);
  CHECK(named->name == "h6");
  CHECK(named->spec == "builtin:hartmann6");

  named = parse_objective_option("resnet-50.v2=exec:python3 train.py --lr=3");
  REQUIRE(named);
  CHECK(named->name == "resnet-50.v2");
  CHECK(named->spec == "exec:python3 train.py --lr=3");

  for (const char* bad : {"builtin:branin", "=builtin:branin", "a b=builtin:branin", "name=branin",
                          "name=", "na/me=exec:x"}) {
    INFO(bad);
    named = parse_objective_option(bad);
    REQUIRE_FALSE(named);
    CHECK_FALSE(named.error().message.empty());
  }
  CHECK(std::string(to_string(FailureKind::Protocol)) == "protocol");
}
