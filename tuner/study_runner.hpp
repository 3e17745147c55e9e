// `quante-tuner run`: the long-lived tuner of one study. It proposes points (journalled before
// they are submitted), keeps `batch` jobs in flight through the broker, records each result in
// the history (fsynced before it is acknowledged), de-duplicates results by job id, re-submits
// what a restarted or silent broker lost, applies the stopping rules, and shows progress.
// Killed at any moment and started again on the same history, it resumes where it was.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "history.hpp"
#include "socket_security.hpp"
#include "stop_signal.hpp"
#include "study.hpp"
#include "tuner_state.hpp"

namespace quante::tuner {

struct RunSettings {
  std::string broker = "tcp://127.0.0.1:5555";
  std::string history_path;
  std::chrono::milliseconds heartbeat{1000};
  int liveness = 5;
  bool live_progress = false;   // a redrawn status line (terminal) instead of log lines
  ClientSecurity security;      // plaintext unless keys are configured
};

struct RunSummary {
  int evaluations = 0;
  int failed = 0;
  int duplicates = 0;           // results that arrived again for an already recorded job
  std::optional<EvaluationRecord> best;
  std::string stop_reason;      // "budget", "max_seconds", "target", "patience", "min_qei", "signal"
};

class StudyRunner {
 public:
  StudyRunner(Study study, RunSettings settings);
  ~StudyRunner();
  RunSummary run(const StopSignal& stop);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quante::tuner
