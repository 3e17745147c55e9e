// The worker's objectives: what turns one job's parameters into a loss. Three kinds, chosen by a
// spec string on the command line:
//   builtin:FUNCTION        a test function of test_functions.hpp (params x0..x{d-1});
//                           builtin:delay:FUNCTION sleeps first, for integration tests
//   builtin:mlp?data=PATH&...  trains a network on a CSV data set (mlp_objective.hpp)
//   exec:COMMAND            a long-lived child run by /bin/sh -c, JSON lines on stdin/stdout
//   plugin:/path/lib.so[?CONFIG]   a shared library with the C ABI of quante_plugin.h
//   builtin:curve:FUNCTION  a learning curve that ends at a test function (curve_objective.hpp)
// An objective stays loaded between jobs; the worker calls evaluate from one job thread at a time
// and may call cancel from any thread. An objective may report a learning curve through the
// TrialReporter it is handed, and ends its run early when the reporter answers false.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cancel_signal.hpp"
#include "expected.hpp"
#include "params.hpp"
#include "trial_reporter.hpp"

namespace quante::worker {

enum class FailureKind {
  None,
  Objective,  // the objective's own error (bad params, NaN loss, the child said "error"): no retry
  Timeout,    // overran ObjectiveContext::timeout, or was cancelled (the error says which)
  Crashed,    // the child died, or the plugin threw
  Protocol,   // a garbage answer: not JSON, wrong id, no numeric loss, a line over 1 MiB
  OutOfMemory // the GPU ran out of memory (an error or crash whose text says so: CUDA, cuBLAS,
              // PyTorch, TensorFlow and JAX all name it); the broker retries it elsewhere
};

// True for an error text that reports GPU memory exhaustion (see FailureKind::OutOfMemory).
bool looks_like_out_of_memory(std::string_view error);

struct Evaluation {
  bool ok = false;
  double loss = std::numeric_limits<double>::quiet_NaN();
  std::string error;  // why it failed, human-readable
  FailureKind failure = FailureKind::None;
  std::map<std::string, double> metrics;  // optional extra numbers
  // Set by Objective::evaluate when the reporter answered false at this step: the trial was
  // stopped early. An ok result then carries the last loss the objective had when it stopped.
  std::optional<std::int64_t> stopped_at;
};

// A failed evaluation of the given kind, with its reason.
inline Evaluation failed_evaluation(FailureKind kind, std::string error) {
  Evaluation evaluation;
  evaluation.failure = kind;
  evaluation.error = std::move(error);
  return evaluation;
}

// A successful evaluation with this loss.
inline Evaluation ok_evaluation(double loss) {
  Evaluation evaluation;
  evaluation.ok = true;
  evaluation.loss = loss;
  return evaluation;
}

struct ObjectiveContext {
  int gpu = -1;  // the physical GPU this worker owns; -1 for none
  std::chrono::milliseconds timeout{3600000};
  std::string config;  // handed to a plugin's quante_setup when its spec carries no ?CONFIG
};

// The interface every objective kind implements, in spdlog's base_sink style: the public,
// non-virtual evaluate keeps the invariants every kind shares (a cancel that came before the run
// fails it at once and is consumed when the run ends; an exception never escapes; stopped_at is
// set from the reporter's answers; the result fits result_limits.hpp), and the protected virtual
// run does the work.
class Objective {
 public:
  Objective() = default;  // throws std::system_error when no eventfd can be made (CancelSignal)
  virtual ~Objective() = default;
  Objective(const Objective&) = delete;
  Objective& operator=(const Objective&) = delete;

  // Blocking; called from one job thread at a time. Never throws for a bad job: a failure comes
  // back as an Evaluation with ok=false. Returns by the timeout (plus a small grace). The
  // objective may call reporter.report after each step; when it answers false the run ends at
  // once with the last loss (ok, stopped_at = that step).
  Evaluation evaluate(const std::string& job_id, const Params& params, TrialReporter& reporter);
  // The same with a reporter that takes every report and always goes on.
  Evaluation evaluate(const std::string& job_id, const Params& params);

  // Thread-safe: asks an evaluation in progress to stop soon (kills an exec child); evaluate then
  // returns a failure (FailureKind::Timeout, error "cancelled ..."). A cancel that arrives while
  // no evaluation runs is kept and stops the next one, so a cancel racing a job's start is never
  // lost; it is consumed when that evaluate returns.
  void cancel();
  virtual std::string describe() const = 0;  // e.g. "builtin:branin", "exec:python3 train.py"
  // The processes other than the worker's own that run this objective's code (an exec child and
  // its process group), whose GPU memory the worker's leak guard measures. Thread-safe.
  virtual std::vector<int> processes() const { return {}; }

 protected:
  // The work of one evaluate: called only when no cancel is pending at the start. reporter wraps
  // the caller's: after it answered false once it answers false without asking again. run may
  // throw; evaluate turns an exception into a Crashed failure.
  virtual Evaluation run(const std::string& job_id, const Params& params, TrialReporter& reporter) = 0;
  // Called by cancel() after the signal is raised, from the cancelling thread: for a kind that
  // must do more than watch cancel_signal() (a plugin's quante_cancel).
  virtual void on_cancel() {}
  // Raised by cancel(), cleared when evaluate returns: run watches it (raised(), fd(), wait_until).
  CancelSignal& cancel_signal() { return cancel_; }

 private:
  CancelSignal cancel_;
};

// SPEC is "builtin:FUNCTION", "builtin:delay:FUNCTION", "builtin:curve:FUNCTION", "exec:COMMAND" or
// "plugin:/path/lib.so[?CONFIG]". For a plugin, everything after the first '?' is passed verbatim
// to quante_setup as its config string (so the path itself must not contain '?'); without '?',
// context.config is passed. Returns the objective, or an error message naming the problem
// (unknown builtin, empty command, plugin missing symbol ...). An exec child is started here and,
// with StartCheck::Wait, watched for ExecObjective::kStartCheck (a child that dies at once is an
// error); a restart between jobs skips that wait (StartCheck::Skip), which would hold up the
// worker's loop and its heartbeats: a child that dies at once then fails its next job instead.
using ObjectiveOrError = Expected<std::unique_ptr<Objective>>;
enum class StartCheck { Wait, Skip };
ObjectiveOrError make_objective(const std::string& spec, const ObjectiveContext& context,
                                StartCheck check = StartCheck::Wait);

// "NAME=SPEC" as given on the command line -> name and spec, or an error. The text is split at
// the first '=' (a command may hold more); NAME is [A-Za-z0-9_.-]+ and SPEC must start with
// builtin:, exec: or plugin:. The spec is not opened here: make_objective does that.
struct NamedSpec {
  std::string name;
  std::string spec;
};
Expected<NamedSpec> parse_objective_option(const std::string& text);

// "objective", "timeout", ... for logs.
const char* to_string(FailureKind kind);

}  // namespace quante::worker
