// make_objective and parse_objective_option: from a command-line spec to an Objective.
#include "objective.hpp"

#include <algorithm>
#include <cctype>
#include <exception>

#include "builtin.hpp"
#include "curve_objective.hpp"
#include "exec.hpp"
#include "mlp_objective.hpp"
#include "plugin.hpp"
#include "result_limits.hpp"

namespace quante::worker {

namespace {

constexpr std::string_view kBuiltin = "builtin:";
constexpr std::string_view kCurve = "builtin:curve:";
constexpr std::string_view kExec = "exec:";
constexpr std::string_view kPlugin = "plugin:";

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// What run() reports to: passes reports on until the caller's reporter first answers false, notes
// that step, and answers false from then on without asking again (an objective that reports after
// it was told to stop does not move the scheduler). Step metrics are held to the result limits.
class WatchedReporter final : public TrialReporter {
 public:
  explicit WatchedReporter(TrialReporter& inner) : inner_(inner) {}
  std::optional<std::int64_t> max_steps() const override { return inner_.max_steps(); }
  bool report(const StepReport& report) override {
    if (stopped_at_) return false;
    bool go = true;
    if (report.metrics.size() > kMaxMetrics ||
        std::any_of(report.metrics.begin(), report.metrics.end(),
                    [](const auto& metric) { return metric.first.size() > kMaxMetricNameBytes; })) {
      StepReport limited = report;
      limit_metrics(limited.metrics);
      go = inner_.report(limited);
    } else {
      go = inner_.report(report);
    }
    if (!go) stopped_at_ = report.step;
    return go;
  }
  std::optional<std::int64_t> stopped_at() const { return stopped_at_; }

 private:
  TrialReporter& inner_;
  std::optional<std::int64_t> stopped_at_;
};

}  // namespace

bool looks_like_out_of_memory(std::string_view error) {
  std::string lower(error.substr(0, 64 * 1024));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // "CUDA out of memory" (PyTorch, and this worker's mlp), "CUDA error: out of memory",
  // torch.cuda.OutOfMemoryError, cuBLAS and CUDA status names, TensorFlow / XLA's RESOURCE_EXHAUSTED.
  for (const char* mark : {"out of memory", "outofmemoryerror", "cublas_status_alloc_failed", "cudaerrormemoryallocation",
                           "resource_exhausted", "cuda_error_out_of_memory"})
    if (lower.find(mark) != std::string::npos) return true;
  return false;
}

Evaluation Objective::evaluate(const std::string& job_id, const Params& params, TrialReporter& reporter) {
  Evaluation evaluation;
  if (cancel_.raised()) {
    evaluation = failed_evaluation(FailureKind::Timeout, "cancelled before it started");
  } else {
    WatchedReporter watched(reporter);
    try {
      evaluation = run(job_id, params, watched);
    } catch (const std::exception& e) {  // out of memory, no thread: fail the job, not the worker
      evaluation = failed_evaluation(FailureKind::Crashed, describe() + ": " + e.what());
    } catch (...) {
      evaluation = failed_evaluation(FailureKind::Crashed, describe() + ": an unknown exception");
    }
    evaluation.stopped_at = watched.stopped_at();
  }
  if (!evaluation.ok && (evaluation.failure == FailureKind::Objective || evaluation.failure == FailureKind::Crashed) &&
      looks_like_out_of_memory(evaluation.error))
    evaluation.failure = FailureKind::OutOfMemory;
  cancel_.clear();
  enforce_result_limits(evaluation, job_id);
  return evaluation;
}

Evaluation Objective::evaluate(const std::string& job_id, const Params& params) {
  TrialReporter always_go_on;
  return evaluate(job_id, params, always_go_on);
}

void Objective::cancel() {
  cancel_.raise();
  on_cancel();
}

const char* to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::None:
      return "none";
    case FailureKind::Objective:
      return "objective";
    case FailureKind::Timeout:
      return "timeout";
    case FailureKind::Crashed:
      return "crashed";
    case FailureKind::Protocol:
      return "protocol";
    case FailureKind::OutOfMemory:
      return "out-of-memory";
  }
  return "unknown";
}

ObjectiveOrError make_objective(const std::string& spec, const ObjectiveContext& context, StartCheck check) {
  if (context.timeout <= std::chrono::milliseconds::zero()) {
    return Error{"objective timeout must be positive"};
  }
  const std::string_view text(spec);
  try {
    if (is_mlp_spec(spec)) {  // builtin:mlp?QUERY: mlp_objective.hpp
      const std::size_t query = std::string_view("builtin:mlp?").size();
      return MlpObjective::make(spec.size() > query ? spec.substr(query) : std::string(), context);
    }
    if (text.starts_with(kCurve)) return CurveObjective::make(spec.substr(kCurve.size()), context);
    if (text.starts_with(kBuiltin)) {
      return BuiltinObjective::make(spec.substr(kBuiltin.size()), context);
    }
    if (text.starts_with(kExec)) {
      const std::string command = spec.substr(kExec.size());
      if (is_blank(command))
        return Error{"exec objective has an empty command: \"" + spec + "\""};
      auto exec = std::make_unique<ExecObjective>(command, context);
      // A child that dies at once (a command that does not exist, a script that does not parse)
      // would fail every job the same way: refuse it now instead of serving it.
      if (auto died = check == StartCheck::Wait ? exec->died_at_start(ExecObjective::kStartCheck) : std::nullopt)
        return Error{"exec objective \"" + command + "\": the child " + *died + " right after it started"};
      return exec;
    }
    if (text.starts_with(kPlugin))
      return PluginObjective::make(spec.substr(kPlugin.size()), context);
  } catch (const std::exception& e) {  // cannot spawn, no threads, out of memory
    return Error{"cannot start objective \"" + spec + "\": " + e.what()};
  }
  return Error{"unknown objective spec \"" + spec +
               "\": expected builtin:FUNCTION, exec:COMMAND or plugin:/path/lib.so[?CONFIG]"};
}

Expected<NamedSpec> parse_objective_option(const std::string& text) {
  const auto equals = text.find('=');
  if (equals == std::string::npos) return Error{"objective \"" + text + "\" is not NAME=SPEC"};
  NamedSpec result;
  result.name = text.substr(0, equals);
  result.spec = text.substr(equals + 1);
  const bool name_ok =
      !result.name.empty() && std::all_of(result.name.begin(), result.name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
      });
  if (!name_ok)
    return Error{"objective name \"" + result.name + "\" in \"" + text + "\" must be letters, digits, '_', '.' or '-'"};
  const std::string_view spec(result.spec);
  if (!spec.starts_with(kBuiltin) && !spec.starts_with(kExec) && !spec.starts_with(kPlugin))
    return Error{"objective \"" + result.name + "\" has spec \"" + result.spec +
                 "\": expected builtin:FUNCTION, exec:COMMAND or plugin:/path/lib.so[?CONFIG]"};
  return result;
}

}  // namespace quante::worker
