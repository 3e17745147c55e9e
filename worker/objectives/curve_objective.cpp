// See curve_objective.hpp.
#include "curve_objective.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "builtin.hpp"

namespace quante::worker {

namespace {

constexpr const char* kStepMsParam = "step_ms";

}  // namespace

double curve_loss(const TestFunction& function, const std::vector<double>& x, double fx, std::int64_t t,
                  std::int64_t total) {
  const auto d = static_cast<double>(std::max<std::size_t>(x.size(), 1));
  double a = 0.0, b = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double width = function.high[i] - function.low[i];
    const double u = width > 0.0 ? (x[i] - function.low[i]) / width : 0.0;
    a += static_cast<double>(i + 1) * u;
    b += (d - static_cast<double>(i)) * u;
  }
  const double s1 = 0.5 + 0.5 * std::sin(2.0 * std::numbers::pi * a / d + 0.7);
  const double s2 = 0.5 + 0.5 * std::cos(2.6 * std::numbers::pi * b / d + 0.2);
  const double gap = (1.0 + std::fabs(fx - function.optimum)) * (0.25 + 1.5 * s1);
  const double k = 1.0 + 7.0 * s2;
  const double floor = std::exp(-k);
  const double fraction = static_cast<double>(t) / static_cast<double>(total);
  return fx + gap * (std::exp(-k * fraction) - floor) / (1.0 - floor);
}

CurveObjective::CurveObjective(TestFunction function, const ObjectiveContext& context)
    : function_(std::move(function)), context_(context) {}

ObjectiveOrError CurveObjective::make(const std::string& name, const ObjectiveContext& context) {
  auto function = find_test_function(name);
  if (!function) {
    return Error{"unknown builtin function \"" + name + "\" for builtin:curve:; known: " +
                 describe_test_function_names()};
  }
  return std::make_unique<CurveObjective>(std::move(*function), context);
}

Evaluation CurveObjective::run(const std::string& /*job_id*/, const Params& params, TrialReporter& reporter) {
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + context_.timeout;
  Params args = params;
  double step_ms = 0.0;
  if (const auto it = args.find(kStepMsParam); it != args.end()) {
    const double* real = std::get_if<double>(&it->second);
    const std::int64_t* integer = std::get_if<std::int64_t>(&it->second);
    step_ms = real != nullptr ? *real : integer != nullptr ? static_cast<double>(*integer) : -1.0;
    if (!std::isfinite(step_ms) || step_ms < 0.0) {
      return failed_evaluation(FailureKind::Objective, std::string("parameter ") + kStepMsParam +
                               " must be a number >= 0, got " + quante::to_string(it->second));
    }
    args.erase(it);
  }
  std::vector<double> x;
  if (auto failure = read_point(function_, args, x)) return std::move(*failure);
  const double fx = function_.f(x);
  if (!std::isfinite(fx)) {
    return failed_evaluation(FailureKind::Objective, function_.name + " is not finite at " + quante::to_string(params));
  }

  const std::int64_t total = std::max<std::int64_t>(reporter.max_steps().value_or(kDefaultSteps), 1);
  const auto step_time = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double, std::milli>(step_ms));
  Evaluation evaluation;
  for (std::int64_t t = 1; t <= total; ++t) {
    if (step_ms > 0.0) {
      const auto wake = std::chrono::steady_clock::now() + step_time;
      if (cancel_signal().wait_until(std::min(wake, deadline))) return failed_evaluation(FailureKind::Timeout, "cancelled");
      if (deadline < wake) {
        return failed_evaluation(FailureKind::Timeout, "step " + std::to_string(t) + " of " + std::to_string(total) +
                                 " overran the timeout of " + std::to_string(context_.timeout.count()) + " ms");
      }
    } else if (cancel_signal().raised()) {
      return failed_evaluation(FailureKind::Timeout, "cancelled");
    }
    const double loss = curve_loss(function_, x, fx, t, total);  // f(x) exactly at t = total
    evaluation = ok_evaluation(loss);
    evaluation.metrics["steps"] = static_cast<double>(t);
    if (!reporter.report(StepReport{t, loss, {}})) break;
  }
  return evaluation;
}

}  // namespace quante::worker
