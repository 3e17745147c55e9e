// What the GP sees when trials stop early (fidelity_model_view.hpp): forecast and rung inputs.
#include <catch2/catch.hpp>

#include <cmath>

#include "fidelity_model_view.hpp"

using namespace quante;
using namespace quante::tuner;
using quante::tuner::scheduling::ModelInput;

namespace {

constexpr std::int64_t kStepMax = 27;
const std::vector<std::int64_t> kRungs = {1, 3, 9};

double power_law(std::int64_t t) { return 0.2 + 1.0 * std::pow(static_cast<double>(t), -0.5); }

EvaluationRecord trial(const std::string& job, std::int64_t last_step, bool stopped) {
  EvaluationRecord r;
  r.job = job;
  r.params = {{"x", static_cast<double>(job.size())}};
  for (std::int64_t t = 1; t <= last_step; ++t) r.curve.emplace_back(t, power_law(t));
  r.loss = power_law(last_step);
  if (stopped) {
    r.status = "stopped";
    r.stopped_at = last_step;
  }
  return r;
}

EvaluationRecord failed(const std::string& job) {
  EvaluationRecord r;
  r.job = job;
  r.status = "failed";
  r.failure = "crashed";
  return r;
}

}  // namespace

TEST_CASE("model input forecast: stopped trials enter at step_max with the loss their curve forecasts",
          "[unit][fidelity]") {
  const std::vector<EvaluationRecord> records = {trial("full", kStepMax, false), trial("at9", 9, true),
                                                 trial("at3", 3, true), trial("at1", 1, true), failed("bad")};
  const auto view = fidelity_model_view(records, kRungs, kStepMax, 3, ModelInput::Forecast, 9.0);
  CHECK(view.level == kStepMax);
  REQUIRE(view.records.size() == 5);
  CHECK(view.records[0].ok());
  CHECK(*view.records[0].loss == power_law(kStepMax));  // its real result
  for (int i : {1, 2}) {  // 9 and 3 points: the power law is recovered, its value at 27 forecast
    CHECK(view.records[i].ok());
    CHECK(*view.records[i].loss == Approx(power_law(kStepMax)).epsilon(1e-6));
  }
  CHECK(view.records[3].stopped());  // one point forecasts nothing: left out, avoided
  CHECK(view.records[4].failed());
  CHECK(view.observed == 3);
  CHECK(view.left_out == 1);
}

TEST_CASE("model input forecast: with too few trials to fit, the rung view is used", "[unit][fidelity]") {
  const std::vector<EvaluationRecord> records = {trial("a", 3, true), trial("b", 1, true), trial("c", 1, true),
                                                 trial("d", 1, true)};
  const auto view = fidelity_model_view(records, kRungs, kStepMax, 3, ModelInput::Forecast, 9.0);
  CHECK(view.level == 1);  // four trials reached step 1, one forecast is not enough
  CHECK(view.observed == 4);
}

TEST_CASE("model input forecast: only trials within the horizon (step_max / horizon or later) are forecast",
          "[unit][fidelity]") {
  const std::vector<EvaluationRecord> records = {trial("full", kStepMax, false), trial("at9", 9, true),
                                                 trial("nine", 9, true), trial("at3", 3, true)};
  const auto view = fidelity_model_view(records, kRungs, kStepMax, 3, ModelInput::Forecast, 3.0);
  CHECK(view.level == kStepMax);
  CHECK(view.observed == 3);
  CHECK(view.records[3].stopped());  // step 3 is nine times short of 27: too far to forecast
}

TEST_CASE("model input rung: the highest level with enough trials, trials stopped below it left out",
          "[unit][fidelity]") {
  const std::vector<EvaluationRecord> records = {trial("full", kStepMax, false), trial("at9", 9, true),
                                                 trial("nine", 9, true), trial("at3", 3, true)};
  const auto view = fidelity_model_view(records, kRungs, kStepMax, 3, ModelInput::Rung, 3.0);
  CHECK(view.level == 9);
  CHECK(view.observed == 3);
  CHECK(view.left_out == 1);
  CHECK(*view.records[0].loss == power_law(9));  // the full-length trial's loss at step 9
  CHECK(view.records[3].stopped());
}

TEST_CASE("model input joint: every trial at every level it reached, each at its loss there", "[unit][fidelity]") {
  EvaluationRecord silent;  // a stopped trial that reported nothing: no level, avoided
  silent.job = "silent";
  silent.status = "stopped";
  silent.stopped_at = 3;
  const std::vector<EvaluationRecord> records = {trial("full", kStepMax, false), trial("at9", 9, true),
                                                 trial("at1", 1, true), failed("bad"), silent};
  const auto view = fidelity_model_view(records, kRungs, kStepMax, 3, ModelInput::Joint, 3.0);
  CHECK(view.level == kStepMax);
  // full: 1, 3, 9, 27; at9: 1, 3, 9; at1: 1; then the failure and the silent trial.
  REQUIRE(view.records.size() == 10);
  const std::vector<std::pair<std::string, std::int64_t>> expected = {
      {"full", 1}, {"full", 3}, {"full", 9}, {"full", kStepMax}, {"at9", 1}, {"at9", 3}, {"at9", 9}, {"at1", 1}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& r = view.records[i];
    INFO("record " << i);
    CHECK(r.job == expected[i].first);
    CHECK(r.ok());
    CHECK(joint_view_level(r, kStepMax) == expected[i].second);
    CHECK(*r.loss == power_law(expected[i].second));
  }
  CHECK(view.records[3].stopped_at == 0);  // at step_max: as a full-length record
  CHECK(view.records[8].failed());
  CHECK(view.records[9].stopped());
  CHECK(view.observed == 8);
  CHECK(view.left_out == 1);
}
