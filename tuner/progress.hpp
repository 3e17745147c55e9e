// How a running study tells the user where it stands: on a terminal a live status line
// (done/budget, running, failed, best so far and its point, evaluations per hour, ETA, workers)
// that fits the terminal's width, so that it redraws in place instead of wrapping into rows that
// \r cannot reach; in a log or under systemd one line per result.
//
// The worker count is the broker's heartbeat count of connected workers: the tuner does not know
// which of them serve this study's objective, so the line says "connected", not "serving".
#pragma once

#include <chrono>
#include <map>
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
  std::map<std::string, double> best_metrics;   // the best record's reported metrics
  double elapsed_s = 0;
  int workers = 0;
};

// "12/60 done, 4 in flight, 0 failed | best 0.4012 at {x0=..} | 230/h, ETA 12m30s | 2 workers connected"
// At most `width` characters (0: no limit): the point is shortened first ("..."), then the
// workers, the rate and the metrics are left out, then the line is cut.
std::string format_progress(const ProgressSnapshot& snapshot, std::size_t width = 0);

// " accuracy=0.93 f1=0.9" (a leading space), or "" for no metrics.
std::string format_metrics(const std::map<std::string, double>& metrics);

// The columns of the terminal on `fd` (ioctl TIOCGWINSZ); 80 when it is not a terminal or says 0.
std::size_t terminal_width(int fd);

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
