// Objective's non-virtual evaluate: the invariants every objective kind gets from it (cancel
// before the run, exceptions, stopped_at, sticky stop answers, result limits), on a scripted kind.
#include <catch2/catch.hpp>
#include <stdexcept>

#include "objectives/objective.hpp"
#include "objectives/result_limits.hpp"
#include "recording_reporter.hpp"

using namespace quante::worker;
using quante::Params;
using quante::test::RecordingReporter;

namespace {

// Reports steps 1..5 with loss 10 - step until told to stop; params pick other behaviour.
class ScriptedObjective final : public Objective {
 public:
  std::string describe() const override { return "scripted"; }
  int runs = 0;
  int cancels = 0;

 protected:
  Evaluation run(const std::string&, const Params& params, TrialReporter& reporter) override {
    ++runs;
    if (params.count("throw")) throw std::runtime_error("no memory today");
    if (params.count("loss")) return ok_evaluation(std::get<double>(params.at("loss")));
    if (params.count("metrics")) {
      Evaluation evaluation = ok_evaluation(1.0);
      for (int i = 0; i < 300; ++i) evaluation.metrics["m" + std::to_string(i)] = i;
      evaluation.metrics[std::string(200, 'n')] = 1.0;
      return evaluation;
    }
    if (params.count("error")) return failed_evaluation(FailureKind::Objective, std::string(10000, 'e'));
    const bool ignore_stop = params.count("ignore_stop") > 0;
    double loss = 0.0;
    for (std::int64_t step = 1; step <= 5; ++step) {
      loss = 10.0 - static_cast<double>(step);
      StepReport report{step, loss, {}};
      if (params.count("many_step_metrics"))
        for (int i = 0; i < 300; ++i) report.metrics["s" + std::to_string(i)] = i;
      if (!reporter.report(report) && !ignore_stop) break;
    }
    return ok_evaluation(loss);
  }
  void on_cancel() override { ++cancels; }
};

}  // namespace

TEST_CASE("objective: a stop answer sets stopped_at and is sticky", "[objective][curve]") {
  ScriptedObjective objective;
  RecordingReporter reporter(5, RecordingReporter::stop_at_step(2));
  const auto stopped = objective.evaluate("J1", {}, reporter);
  REQUIRE(stopped.ok);
  CHECK(stopped.loss == 8.0);
  REQUIRE(stopped.stopped_at);
  CHECK(*stopped.stopped_at == 2);

  RecordingReporter once(5, RecordingReporter::stop_at_step(3));
  const auto ignored = objective.evaluate("J2", {{"ignore_stop", 1.0}}, once);
  CHECK(*ignored.stopped_at == 3);
  CHECK(once.reports().size() == 3);  // reports 4 and 5 were answered "stop" without asking

  const auto plain = objective.evaluate("J3", {});
  CHECK(plain.ok);
  CHECK(plain.loss == 5.0);
  CHECK_FALSE(plain.stopped_at);
}

TEST_CASE("objective: cancel before the run, and exceptions, fail the job", "[objective]") {
  ScriptedObjective objective;
  objective.cancel();
  CHECK(objective.cancels == 1);
  const auto cancelled = objective.evaluate("J1", {});
  CHECK(cancelled.failure == FailureKind::Timeout);
  CHECK(cancelled.error == "cancelled before it started");
  CHECK(objective.runs == 0);
  CHECK(objective.evaluate("J2", {}).ok);  // the cancel was consumed

  const auto thrown = objective.evaluate("J3", {{"throw", 1.0}});
  CHECK(thrown.failure == FailureKind::Crashed);
  CHECK(thrown.error == "scripted: no memory today");
}

TEST_CASE("objective: results are held to the result limits", "[objective]") {
  ScriptedObjective objective;
  const auto inf = objective.evaluate("J1", {{"loss", HUGE_VAL}});
  CHECK(inf.failure == FailureKind::Objective);
  CHECK_THAT(inf.error, Catch::Contains("non-finite loss"));
  const auto diverged = objective.evaluate("J2", {{"loss", -1.797e308}});
  CHECK(diverged.failure == FailureKind::Objective);
  CHECK_THAT(diverged.error, Catch::Contains("the loss diverged"));
  CHECK(objective.evaluate("J3", {{"loss", 1e300}}).ok);

  const auto many = objective.evaluate("J4", {{"metrics", 1.0}});
  CHECK(many.ok);
  CHECK(many.metrics.size() == kMaxMetrics);
  for (const auto& [name, value] : many.metrics) CHECK(name.size() <= kMaxMetricNameBytes);

  const auto error = objective.evaluate("J5", {{"error", 1.0}});
  CHECK(error.error.size() == kMaxErrorBytes);
  CHECK_THAT(error.error, Catch::EndsWith("... (cut)"));

  RecordingReporter reporter(5);
  objective.evaluate("J6", {{"many_step_metrics", 1.0}}, reporter);
  REQUIRE(reporter.reports().size() == 5);
  CHECK(reporter.reports()[0].metrics.size() == kMaxMetrics);
}

TEST_CASE("result limits: cuts keep UTF-8 whole", "[objective]") {
  const std::string e_acute = "\xc3\xa9";
  std::string text;
  for (int i = 0; i < 3000; ++i) text += e_acute;
  const std::string cut = cut_text(text, 101);
  CHECK(cut.size() <= 101);
  CHECK_THAT(cut, Catch::EndsWith("... (cut)"));
  CHECK((cut.size() - kCutMark.size()) % 2 == 0);
  std::map<std::string, double> metrics{{std::string(127, 'a') + e_acute, 1.0}};
  CHECK(limit_metrics(metrics) == 1);
  CHECK(metrics.begin()->first == std::string(127, 'a'));
}
