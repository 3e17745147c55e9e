// `quante-tuner run`: the long-lived tuner of one study, the I/O shell around TunerState (which
// decides what to propose, submit, record, retry and when to stop). This file owns the broker
// socket, heartbeats and reconnects, the history files, the live display, and the proposal
// thread: proposals run off the loop, which polls the socket, the stop fd and the proposal's
// eventfd together, so heartbeats, results, SIGTERM and the systemd watchdog are served while
// the optimizer works. Killed at any moment and started again on the same history, it resumes
// where it was.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "confirmation.hpp"
#include "history.hpp"
#include "live_view.hpp"
#include "socket_security.hpp"
#include "stop_signal.hpp"
#include "study.hpp"
#include "tuner_config.hpp"
#include "tuner_state.hpp"

namespace quante::tuner {

// The broker, heartbeat, keys and metrics endpoint come from tuner.toml and the command line
// (tuner_config.hpp); the rest is this run's.
struct RunSettings : TunerConfig {
  std::string history_path;
  bool live_progress = false;   // a redrawn status line (terminal) instead of log lines
  RunObserver observer;         // e.g. the live dashboard: called on changes and heartbeats (live_view.hpp)
};

struct RunSummary {
  int evaluations = 0;
  int failed = 0;
  int duplicates = 0;           // results that arrived again for an already recorded job
  std::optional<EvaluationRecord> best;
  // Where the GP infers noise, best is the evaluation with the lowest posterior mean (this
  // mean, in loss units), not the luckiest loss (name_best_record, named_best.hpp).
  std::optional<double> best_posterior_mean;
  // With [stop] confirm: best is the confirmed point with the best mean over its evaluations.
  std::optional<ConfirmedBest> confirmed;
  std::string stop_reason;      // "budget", "max_seconds", "target", "patience", "min_qei", "exhausted", "signal",
                                // "failures" ([stop] max_failures_in_a_row)
  int failure_streak = 0;       // failures in a row at the end, all with repeated_error
  std::string repeated_error;
  // A proposal was still being computed at the stop; its thread runs on, detached. The process
  // must end with std::_Exit after flushing (proposal_thread.hpp says why).
  bool proposal_abandoned = false;
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
