// How an objective reports a learning curve while it runs, and learns whether to go on: the
// worker's side of early stopping (ARCHITECTURE.md, "Contracts added for learning curves").
//
// An objective calls report() after each step (an epoch, a rung of work) from its job thread; the
// answer is the scheduler's decision: true to go on, false to end the trial now and return the
// last loss as its result (Objective::evaluate then sets Evaluation::stopped_at). The default
// reporter takes every report and always answers true, so an objective that never reports, or a
// caller that never asks, behaves as before.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace quante::worker {

struct StepReport {
  std::int64_t step = 0;  // as the objective numbers its steps: usually 1..max_steps
  double loss = 0;        // passed on as is, NaN and infinities included
  std::map<std::string, double> metrics;
};

// How an objective reports a learning curve. Called from the job thread.
class TrialReporter {
 public:
  virtual ~TrialReporter() = default;
  virtual std::optional<std::int64_t> max_steps() const { return std::nullopt; }  // the study's step_max
  // After a step: true to go on, false to end the trial now (return the last loss as its result).
  // Implementations never block beyond their own decision timeout.
  virtual bool report(const StepReport& report) {
    (void)report;
    return true;
  }
};

}  // namespace quante::worker
