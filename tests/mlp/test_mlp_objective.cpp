// builtin:mlp through make_objective, as the worker makes it: jobs succeed with metrics, bad
// hyperparameters and device trouble fail the job (never the process), cancel and timeout stop it.
#include <catch2/catch.hpp>

#include "made_objective.hpp"
#include "mlp_objective.hpp"
#include "mlp_test_data.hpp"
#include "objective.hpp"
#include "recording_reporter.hpp"

using namespace quante;
using namespace quante::worker;

namespace {

std::string digits_spec(const std::string& extra = "", const std::string& device = "cpu") {
  return "builtin:mlp?data=" + test::digits_path() + "&label=label&task=classification&val_fraction=0.2&device=" +
         device + extra;
}

std::unique_ptr<Objective> make(const std::string& spec, const ObjectiveContext& context = {}) {
  return quante::test::made_objective(spec, context);
}

}  // namespace

TEST_CASE("builtin:mlp: a job trains on digits and reports the validation loss and accuracy", "[mlp]") {
  auto objective = make(digits_spec("&epochs=8"));
  CHECK(objective->describe().find("digits.csv") != std::string::npos);
  const Params params = {{"layers", std::int64_t{2}}, {"width", std::int64_t{64}}, {"lr", 3e-3},
                         {"activation", std::string("relu")}, {"batch_size", std::int64_t{32}},
                         {"optimizer", std::string("adam")}, {"dropout", 0.0}, {"weight_decay", 1e-5}};
  const Evaluation e = objective->evaluate("J1", params);
  INFO(e.error);
  REQUIRE(e.ok);
  CHECK(e.loss > 0.0);
  CHECK(e.loss < 0.4);
  CHECK(e.metrics.at("accuracy") > 0.9);
  CHECK(e.metrics.count("train_loss") == 1);
  CHECK(e.metrics.count("epoch_seconds") == 1);
  // The data stays loaded: a second job on the same objective works as well.
  const Evaluation again = objective->evaluate("J2", params);
  REQUIRE(again.ok);
  CHECK(again.loss == e.loss);  // same seed, same result
}

TEST_CASE("builtin:mlp: bad hyperparameters fail the job with the reason", "[mlp]") {
  auto objective = make(digits_spec("&epochs=1"));
  const std::vector<Params> bad = {
      {{"layers", std::int64_t{-3}}},        {{"activation", std::string("swish")}},
      {{"lr", 0.0}},                         {{"batch_size", std::int64_t{0}}},
      {{"optimizer", std::string("rmsprop")}}, {{"epochs", 2.5}},
      {{"dropout", 0.99}},                   {{"x0", 1.0}},
  };
  for (const auto& params : bad) {
    INFO(to_string(params));
    const Evaluation e = objective->evaluate("J", params);
    CHECK_FALSE(e.ok);
    CHECK(e.failure == FailureKind::Objective);
    CHECK_FALSE(e.error.empty());
  }
  // ... and the objective still works afterwards.
  CHECK(objective->evaluate("J", {{"layers", std::int64_t{1}}, {"width", std::int64_t{16}}}).ok);
}

TEST_CASE("builtin:mlp: spec errors at start-up name the problem", "[mlp]") {
  for (const std::string& spec : {std::string("builtin:mlp"), std::string("builtin:mlp?data=/nonexistent/x.csv"),
                                  digits_spec("&colour=red"), digits_spec("&epochs=0")}) {
    INFO(spec);
    auto made = make_objective(spec, {});
    CHECK_FALSE(made);
    CHECK(made.error().message.find("mlp") != std::string::npos);
  }
  // builtin:mlpfoo is not the mlp objective: an unknown builtin function.
  CHECK(make_objective("builtin:mlpfoo", {}).error().message.find("unknown builtin") != std::string::npos);
}

TEST_CASE("builtin:mlp: cancel and timeout stop a job as Timeout failures", "[mlp]") {
  auto objective = make(digits_spec());
  objective->cancel();
  const Evaluation cancelled = objective->evaluate("J", {{"epochs", std::int64_t{50}}});
  CHECK_FALSE(cancelled.ok);
  CHECK(cancelled.failure == FailureKind::Timeout);
  CHECK(cancelled.error.find("cancelled") != std::string::npos);

  ObjectiveContext short_timeout;
  short_timeout.timeout = std::chrono::milliseconds(1);
  auto hurried = make(digits_spec(), short_timeout);
  const Evaluation timed_out = hurried->evaluate("J", {{"epochs", std::int64_t{10000}}});
  CHECK_FALSE(timed_out.ok);
  CHECK(timed_out.failure == FailureKind::Timeout);
}

TEST_CASE("builtin:mlp: device=cuda without a usable GPU fails jobs or start-up, never the process", "[mlp]") {
  auto made = make_objective(digits_spec("", "cuda"), {});
#ifdef QUANTE_WITH_CUDA
  REQUIRE(made);  // the data is loaded; the GPU is only needed by jobs
  const Evaluation e = (*made)->evaluate("J", {{"epochs", std::int64_t{1}}});
  if (e.ok) {
    WARN("a GPU is present: device=cuda trained, loss " << e.loss);
  } else {
    CHECK(e.failure == FailureKind::Crashed);
    CHECK(e.error.find("CUDA") != std::string::npos);
  }
#else
  CHECK_FALSE(made);
  CHECK(made.error().message.find("without CUDA") != std::string::npos);
#endif
}

TEST_CASE("builtin:mlp: reports the validation loss after every epoch and stops when told", "[mlp][curve]") {
  auto objective = make(digits_spec("&epochs=30"));
  const Params params = {{"layers", std::int64_t{1}}, {"width", std::int64_t{32}}, {"lr", 3e-3},
                         {"optimizer", std::string("adam")}, {"batch_size", std::int64_t{64}}};
  // max_steps is the number of epochs: 4, not the spec's 30.
  test::RecordingReporter full(4);
  const Evaluation whole = objective->evaluate("J1", params, full);
  INFO(whole.error);
  REQUIRE(whole.ok);
  CHECK_FALSE(whole.stopped_at);
  const auto curve = full.reports();
  REQUIRE(curve.size() == 4);
  for (std::size_t i = 0; i < curve.size(); ++i) {
    CHECK(curve[i].step == static_cast<std::int64_t>(i + 1));
    CHECK(curve[i].metrics.count("accuracy") == 1);
    CHECK(curve[i].metrics.count("train_loss") == 1);
  }
  CHECK(curve.back().loss < curve.front().loss);
  CHECK(whole.loss == curve.back().loss);  // the last epoch's validation is the result
  CHECK(whole.metrics.at("accuracy") == curve.back().metrics.at("accuracy"));

  // Stopped after epoch 2 of 4: the same run up to there (same seed), ended at once.
  test::RecordingReporter stop(4, test::RecordingReporter::stop_at_step(2));
  const Evaluation stopped = objective->evaluate("J2", params, stop);
  REQUIRE(stopped.ok);
  REQUIRE(stopped.stopped_at);
  CHECK(*stopped.stopped_at == 2);
  REQUIRE(stop.reports().size() == 2);
  CHECK(stopped.loss == curve[1].loss);

  // Without max_steps the epochs hyperparameter counts, and every epoch is still reported.
  test::RecordingReporter own;
  Params three = params;
  three["epochs"] = std::int64_t{3};
  REQUIRE(objective->evaluate("J3", three, own).ok);
  CHECK(own.reports().size() == 3);
}
