// python/quante_objective.py under a real exec objective: answers stay clean however noisy the
// objective (print, sys.stdout, raw writes to fd 1), floats, ints and dicts with metrics come
// through, and exceptions and non-finite losses become failed jobs while the child lives on.
#include <catch2/catch.hpp>

#include "objectives/exec.hpp"
#include "recording_reporter.hpp"

using namespace quante;
using namespace quante::worker;
using namespace std::chrono_literals;

namespace {

const std::string kChild = "exec " + std::string(QUANTE_TEST_PYTHON) + " " + std::string(QUANTE_SOURCE_DIR) +
                           "/tests/python_helper/children/noisy_objective.py";

Params job(const std::string& what, Params more = {}) {
  more["do"] = what;
  return more;
}

}  // namespace

TEST_CASE("python helper: losses, metrics and the gpu come through a noisy objective", "[python]") {
  ObjectiveContext context;
  context.timeout = 30s;
  context.gpu = 3;
  ExecObjective objective(kChild, context);
  const Evaluation f = objective.evaluate("J1", job("float", {{"x", 1.25}}));
  INFO(f.error);
  REQUIRE(f.ok);
  CHECK(f.loss == 2.5);
  const Evaluation i = objective.evaluate("J2", job("int"));
  REQUIRE(i.ok);
  CHECK(i.loss == 3.0);
  const Evaluation d = objective.evaluate("J3", job("dict"));
  REQUIRE(d.ok);
  CHECK(d.loss == 0.25);
  CHECK(d.metrics.at("accuracy") == 0.75);
  CHECK(d.metrics.count("name") == 0);  // non-numeric metrics are dropped by the helper
  CHECK(d.metrics.count("bad") == 0);
  const Evaluation g = objective.evaluate("J4", job("gpu"));
  REQUIRE(g.ok);
  CHECK(g.loss == 3.0);
}

TEST_CASE("python helper: exceptions and bad losses are error answers, the child carries on", "[python]") {
  ObjectiveContext context;
  context.timeout = 30s;
  ExecObjective objective(kChild, context);
  const std::vector<std::pair<std::string, std::string>> failing = {
      {"raise", "RuntimeError: the network blew up"},
      {"oom", "MemoryError: CUDA out of memory"},
      {"nan", "not a finite number"},
      {"string", "not a finite number"},
      {"no_loss", "without a 'loss'"},
      {"unknown", "ValueError"},
  };
  for (const auto& [what, message] : failing) {
    INFO(what);
    const Evaluation e = objective.evaluate("J-" + what, job(what));
    CHECK_FALSE(e.ok);
    // An answer, not a crash or a protocol error; an out-of-memory error is told apart (the
    // broker retries it on another worker: the GPU, not only the configuration, may be to blame).
    CHECK(e.failure == (what == "oom" ? FailureKind::OutOfMemory : FailureKind::Objective));
    CHECK(e.error.find(message) != std::string::npos);
  }
  const Evaluation after = objective.evaluate("J-after", job("float", {{"x", 2.0}}));
  REQUIRE(after.ok);
  CHECK(after.loss == 4.0);
}

TEST_CASE("python helper: report() sends a learning curve and StopTrial ends the job", "[python][curve]") {
  const std::string child = "exec " + std::string(QUANTE_TEST_PYTHON) + " " + std::string(QUANTE_SOURCE_DIR) +
                            "/tests/python_helper/children/reporting_objective.py";
  ObjectiveContext context;
  context.timeout = 30s;
  context.gpu = 2;
  ExecObjective objective(child, context);

  test::RecordingReporter full(6);
  const Evaluation whole = objective.evaluate("J1", {}, full);
  INFO(whole.error);
  REQUIRE(whole.ok);
  CHECK_FALSE(whole.stopped_at);
  CHECK(whole.loss == Approx(1.0 + 1.0 / 6.0));
  CHECK(whole.metrics.at("epochs_run") == 6.0);  // max_steps reached the objective
  const auto curve = full.reports();
  REQUIRE(curve.size() == 6);
  CHECK(curve[1].step == 2);
  CHECK(curve[1].loss == Approx(1.5));
  CHECK(curve[1].metrics.at("gpu") == 2.0);

  for (const std::string style : {"raise", "return_none", "return_value"}) {
    INFO(style);
    test::RecordingReporter stop(10, test::RecordingReporter::stop_at_step(3));
    const Evaluation stopped = objective.evaluate("J-" + style, {{"style", style}}, stop);
    INFO(stopped.error);
    REQUIRE(stopped.ok);
    REQUIRE(stopped.stopped_at);
    CHECK(*stopped.stopped_at == 3);
    CHECK(stop.reports().size() == 3);
    CHECK(stopped.loss == Approx(style == "return_value" ? -1.0 : 1.0 + 1.0 / 3.0));
    if (style != "return_value") CHECK(stopped.metrics.at("epoch") == 3.0);  // the last report's metrics
  }
  // Without max_steps (an old study): the objective's own default, and no stop.
  test::RecordingReporter none;
  const Evaluation own = objective.evaluate("J2", {{"epochs", std::int64_t{2}}}, none);
  REQUIRE(own.ok);
  CHECK(none.reports().size() == 2);
}

TEST_CASE("python helper: the keyword form gets a trial object", "[python][curve]") {
  const std::string child = "exec " + std::string(QUANTE_TEST_PYTHON) + " " + std::string(QUANTE_SOURCE_DIR) +
                            "/tests/python_helper/children/reporting_objective.py trial";
  ObjectiveContext context;
  context.timeout = 30s;
  ExecObjective objective(child, context);
  test::RecordingReporter stop(5, test::RecordingReporter::stop_at_step(2));
  const Evaluation stopped = objective.evaluate("J1", {}, stop);
  INFO(stopped.error);
  REQUIRE(stopped.ok);
  CHECK(stopped.loss == 8.0);
  CHECK(*stopped.stopped_at == 2);
  const Evaluation whole = objective.evaluate("J2", {});  // the default reporter: no max_steps, go on
  REQUIRE(whole.ok);
  CHECK(whole.loss == 0.0);
}
