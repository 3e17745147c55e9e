// How a running study tells the user where it stands: on a terminal a live status line
// (done/budget, running, failed, best so far and its point, evaluations per hour, ETA, workers);
// in a log or under systemd one line per result.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "params.hpp"

namespace quante::tuner {

struct ProgressSnapshot {
  int done = 0;
  int budget = 0;
  int running = 0;
  int failed = 0;
  std::optional<double> best;
  Params best_params;
  double elapsed_s = 0;
  int workers = 0;
};

// "12/60 done, 4 running, 0 failed | best 0.4012 at {x0=..} | 230/h, ETA 12m30s | 2 workers"
std::string format_progress(const ProgressSnapshot& snapshot);

class ProgressDisplay {
 public:
  explicit ProgressDisplay(bool live);   // live: redraw one line on stderr (a terminal)
  void update(const ProgressSnapshot& snapshot);
  void result_line(const std::string& line, const ProgressSnapshot& snapshot);
  void finish();

 private:
  bool live_;
  bool drawn_ = false;
};

}  // namespace quante::tuner
