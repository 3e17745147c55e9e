// builtin:FUNCTION: a test function of test_functions.hpp (this folder) as an objective, for demos,
// optimizer benchmarks and farm tests without any child process.
//
// Params are x0..x{d-1}, integers or reals inside the function's documented domain (values within
// 1e-9 of the domain's width outside a bound are clamped onto it, to forgive rounding in the
// tuner's transforms). A missing, extra, categorical, non-finite or out-of-domain parameter
// fails the job with an Objective error naming it. builtin:noop takes any params and returns 0.
//
// builtin:delay:FUNCTION first sleeps for the param duration_ms (an integer or real >= 0,
// default 0; it is not passed on to FUNCTION), then evaluates FUNCTION. The sleep ends early,
// with a failure, on cancel() (error "cancelled") or at the context's timeout (Timeout).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "objective.hpp"
#include "test_functions.hpp"

namespace quante::worker {

// Reads FUNCTION's point x0..x{d-1} from params (which must hold nothing else) as described
// above: nullopt with x filled, or the Objective failure that names the problem.
std::optional<Evaluation> read_point(const TestFunction& function, const Params& params, std::vector<double>& x);

class BuiltinObjective final : public Objective {
 public:
  BuiltinObjective(TestFunction function, bool delay, const ObjectiveContext& context);

  // NAME is what follows "builtin:", e.g. "branin" or "delay:ackley5".
  static ObjectiveOrError make(const std::string& name, const ObjectiveContext& context);

  std::string describe() const override;

 protected:
  Evaluation run(const std::string& job_id, const Params& params, TrialReporter& reporter) override;

 private:
  TestFunction function_;
  bool delay_;
  ObjectiveContext context_;
};

}  // namespace quante::worker
