// python/quante_objective.py under a real exec objective: answers stay clean however noisy the
// objective (print, sys.stdout, raw writes to fd 1), floats, ints and dicts with metrics come
// through, and exceptions and non-finite losses become failed jobs while the child lives on.
#include <catch2/catch.hpp>

#include "objectives/exec.hpp"

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

TEST_CASE("python helper: exceptions and bad losses are error answers; the child carries on", "[python]") {
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
    CHECK(e.failure == FailureKind::Objective);  // an answer, not a crash or a protocol error
    CHECK(e.error.find(message) != std::string::npos);
  }
  const Evaluation after = objective.evaluate("J-after", job("float", {{"x", 2.0}}));
  REQUIRE(after.ok);
  CHECK(after.loss == 4.0);
}
