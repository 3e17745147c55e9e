// The worker's objectives: what turns one job's parameters into a loss. Three kinds, chosen by a
// spec string on the command line:
//   builtin:FUNCTION        a test function from shared/test_functions.hpp (params x0..x{d-1});
//                           builtin:delay:FUNCTION sleeps first, for integration tests
//   builtin:mlp?data=PATH&...  trains a network on a CSV data set (mlp_objective.hpp)
//   exec:COMMAND            a long-lived child run by /bin/sh -c, JSON lines on stdin/stdout
//   plugin:/path/lib.so[?CONFIG]   a shared library with the C ABI of quante_plugin.h
// An objective stays loaded between jobs; the worker calls evaluate from one job thread at a time
// and may call cancel from any thread.
#pragma once

#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "params.hpp"

namespace quante::worker {

enum class FailureKind {
  None,
  Objective,  // the objective's own error (bad params, NaN loss, the child said "error"): no retry
  Timeout,    // overran ObjectiveContext::timeout, or was cancelled (the error says which)
  Crashed,    // the child died, or the plugin threw
  Protocol    // a garbage answer: not JSON, wrong id, no numeric loss, a line over 1 MiB
};

struct Evaluation {
  bool ok = false;
  double loss = std::numeric_limits<double>::quiet_NaN();
  std::string error;  // why it failed, human-readable
  FailureKind failure = FailureKind::None;
  std::map<std::string, double> metrics;  // optional extra numbers
};

// A failed evaluation of the given kind, with its reason.
inline Evaluation failed_evaluation(FailureKind kind, std::string error) {
  Evaluation evaluation;
  evaluation.failure = kind;
  evaluation.error = std::move(error);
  return evaluation;
}

struct ObjectiveContext {
  int gpu = -1;  // the physical GPU this worker owns; -1 for none
  std::chrono::milliseconds timeout{3600000};
  std::string config;  // handed to a plugin's quante_setup when its spec carries no ?CONFIG
};

class Objective {
 public:
  virtual ~Objective() = default;
  // Blocking; called from one job thread at a time. Never throws for a bad job: a failure comes
  // back as an Evaluation with ok=false. Must return by the timeout (plus a small grace).
  virtual Evaluation evaluate(const std::string& job_id, const Params& params) = 0;
  // Thread-safe: asks an evaluation in progress to stop soon (kills an exec child); evaluate then
  // returns a failure (FailureKind::Timeout, error "cancelled ..."). A cancel that arrives while
  // no evaluation runs is kept and stops the next one, so a cancel racing a job's start is never
  // lost; it is consumed when that evaluate returns.
  virtual void cancel() {}
  virtual std::string describe() const = 0;  // e.g. "builtin:branin", "exec:python3 train.py"
};

// SPEC is "builtin:FUNCTION", "builtin:delay:FUNCTION", "exec:COMMAND" or
// "plugin:/path/lib.so[?CONFIG]". For a plugin, everything after the first '?' is passed verbatim
// to quante_setup as its config string (so the path itself must not contain '?'); without '?',
// context.config is passed. Returns the objective, or an error message naming the problem
// (unknown builtin, empty command, plugin missing symbol ...). An exec child is started here.
struct ObjectiveOrError {
  std::unique_ptr<Objective> objective;
  std::string error;
};
ObjectiveOrError make_objective(const std::string& spec, const ObjectiveContext& context);

// "NAME=SPEC" as given on the command line -> name and spec, or an error. The text is split at
// the first '=' (a command may hold more); NAME is [A-Za-z0-9_.-]+ and SPEC must start with
// builtin:, exec: or plugin:. The spec is not opened here: make_objective does that.
struct NamedSpec {
  std::string name;
  std::string spec;
  std::string error;  // empty on success
};
NamedSpec parse_objective_option(const std::string& text);

// "objective", "timeout", ... for logs.
const char* to_string(FailureKind kind);

}  // namespace quante::worker
