// RecordingReporter: a TrialReporter for tests that records every report and answers from a
// script (by default: always go on), so a test can stop a trial at a chosen step and then check
// the curve the objective reported. Thread-safe; reports() copies.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "objectives/trial_reporter.hpp"

namespace quante::test {

class RecordingReporter : public worker::TrialReporter {
 public:
  // The answer to the index-th report (0-based).
  using Script = std::function<bool(const worker::StepReport& report, std::size_t index)>;

  explicit RecordingReporter(std::optional<std::int64_t> max_steps = std::nullopt, Script script = {})
      : max_steps_(max_steps), script_(std::move(script)) {}

  // Goes on before `step`, stops at the first report whose step is >= it.
  static Script stop_at_step(std::int64_t step) {
    return [step](const worker::StepReport& report, std::size_t) { return report.step < step; };
  }

  std::optional<std::int64_t> max_steps() const override { return max_steps_; }

  bool report(const worker::StepReport& report) override {
    std::lock_guard lock(mutex_);
    reports_.push_back(report);
    return script_ ? script_(report, reports_.size() - 1) : true;
  }

  std::vector<worker::StepReport> reports() const {
    std::lock_guard lock(mutex_);
    return reports_;
  }

 private:
  std::optional<std::int64_t> max_steps_;
  Script script_;
  mutable std::mutex mutex_;
  std::vector<worker::StepReport> reports_;
};

}  // namespace quante::test
