// A running study seen from outside: what StudyRunner hands to an observer (the live dashboard,
// tuner/dashboard/) on its own loop thread, whenever the study changed (a result, a report, a
// proposal, jobs in flight) and on each heartbeat. The references are valid during the call
// only; an observer copies what it keeps, and must be quick, since the loop waits for it.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "study.hpp"
#include "tuner_state.hpp"

namespace quante::tuner {

// Where a job in flight runs, as the broker's JOB_STARTED (or, from an older broker, the job's
// first step report) said.
struct RunningOn {
  std::string worker;
  int gpu = -1;            // -1: none, or not said
  double started_at = 0;   // Unix seconds at which the tuner heard of it; 0: unknown
};

struct LiveView {
  const Study& study;
  const TunerState& state;
  const std::map<std::string, RunningOn>& running_on;  // by job id
  int workers = 0;        // connected to the broker, as its last heartbeat said
  int queued = 0;         // of this study's jobs, waiting for a worker at the broker
  double now = 0;         // Unix seconds
  bool finished = false;  // the run has ended (the last call)
};

using RunObserver = std::function<void(const LiveView&)>;

}  // namespace quante::tuner
