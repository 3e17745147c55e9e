// See builtin.hpp.
#include "builtin.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace quante::worker {

namespace {

constexpr const char* kDelayPrefix = "delay:";
constexpr const char* kDurationParam = "duration_ms";

std::string number(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

// The numeric value of a param, or an error that names it.
std::optional<double> as_number(const ParamValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  return std::nullopt;
}

}  // namespace

std::optional<Evaluation> read_point(const TestFunction& function, const Params& params, std::vector<double>& x) {
  x.clear();
  if (function.dim == 0) return std::nullopt;

  const std::string takes = function.name + " takes x0..x" + std::to_string(function.dim - 1);
  x.assign(static_cast<std::size_t>(function.dim), 0.0);
  for (int i = 0; i < function.dim; ++i) {
    const std::string name = "x" + std::to_string(i);
    const auto it = params.find(name);
    if (it == params.end()) {
      return failed_evaluation(FailureKind::Objective, "missing parameter " + name + " (" + takes + ")");
    }
    const auto value = as_number(it->second);
    if (!value) {
      return failed_evaluation(FailureKind::Objective, "parameter " + name + " is the category \"" +
                               quante::to_string(it->second) + "\"; " + takes +
                               " as numbers");
    }
    if (!std::isfinite(*value)) {
      return failed_evaluation(FailureKind::Objective, "parameter " + name + " is not finite");
    }
    const auto k = static_cast<std::size_t>(i);
    const double low = function.low[k], high = function.high[k];
    const double slack = 1e-9 * (high - low);
    if (*value < low - slack || *value > high + slack) {
      return failed_evaluation(FailureKind::Objective, "parameter " + name + " = " + number(*value) +
                               " is outside " + function.name + "'s domain [" +
                               number(low) + ", " + number(high) + "]");
    }
    x[k] = std::clamp(*value, low, high);
  }
  if (params.size() != x.size()) {  // every x_i was found above, so some other name is extra
    for (const auto& [name, value] : params) {
      bool expected = false;
      for (int i = 0; i < function.dim && !expected; ++i)
        expected = name == "x" + std::to_string(i);
      if (!expected) {
        return failed_evaluation(FailureKind::Objective, "unexpected parameter " + name + " (" + takes + ")");
      }
    }
  }
  return std::nullopt;
}

BuiltinObjective::BuiltinObjective(TestFunction function, bool delay,
                                   const ObjectiveContext& context)
    : function_(std::move(function)), delay_(delay), context_(context) {}

ObjectiveOrError BuiltinObjective::make(const std::string& name, const ObjectiveContext& context) {
  std::string function_name = name;
  bool delay = false;
  if (function_name.rfind(kDelayPrefix, 0) == 0) {
    delay = true;
    function_name.erase(0, std::string(kDelayPrefix).size());
  }
  auto function = find_test_function(function_name);
  if (!function) {
    return Error{"unknown builtin function \"" + function_name + "\"; known: " +
                 describe_test_function_names() + ", and delay:FUNCTION for any of them"};
  }
  return std::make_unique<BuiltinObjective>(std::move(*function), delay, context);
}

std::string BuiltinObjective::describe() const {
  return std::string("builtin:") + (delay_ ? kDelayPrefix : "") + function_.name;
}

Evaluation BuiltinObjective::run(const std::string& /*job_id*/, const Params& params,
                                 TrialReporter& /*reporter*/) {
  const auto started = std::chrono::steady_clock::now();

  Params args = params;
  if (delay_) {
    double duration_ms = 0.0;
    if (const auto it = args.find(kDurationParam); it != args.end()) {
      const auto value = as_number(it->second);
      if (!value || !std::isfinite(*value) || *value < 0.0) {
        return failed_evaluation(FailureKind::Objective, std::string("parameter ") + kDurationParam +
                                 " must be a number >= 0, got " +
                                 quante::to_string(it->second));
      }
      duration_ms = *value;
      args.erase(it);
    }
    const auto wake = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double, std::milli>(duration_ms));
    const auto deadline = started + context_.timeout;
    if (cancel_signal().wait_until(std::min(wake, deadline))) {
      return failed_evaluation(FailureKind::Timeout, "cancelled");
    }
    if (deadline < wake) {
      return failed_evaluation(FailureKind::Timeout, "delay of " + number(duration_ms) +
                               " ms overran the timeout of " +
                               std::to_string(context_.timeout.count()) + " ms");
    }
  }

  std::vector<double> x;
  if (auto failure = read_point(function_, args, x)) return std::move(*failure);
  const double loss = function_.f(x);
  if (!std::isfinite(loss)) {
    return failed_evaluation(FailureKind::Objective,
                             function_.name + " is not finite at " + quante::to_string(params));
  }
  return ok_evaluation(loss);
}

}  // namespace quante::worker
