// Where a running job's rung reports meet the worker's loop. The objective reports from the job
// thread; a report at one of the job's rungs waits here for the tuner's decision, which travels
// worker -> broker -> tuner and back. The loop (the only thread with the socket) takes the
// question when fd() is readable and hands the answer back. A decision that does not come within
// the timeout (tuner gone, broker restarting) counts as "go on": a trial never hangs on a missing
// decision. A job that ends (cancelled, deadline, shutdown) is abandoned: a waiting report hears
// "stop" at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "objectives/trial_reporter.hpp"

namespace quante::worker {

class StepRelay {
 public:
  explicit StepRelay(std::chrono::milliseconds decision_timeout);
  ~StepRelay();
  StepRelay(const StepRelay&) = delete;
  StepRelay& operator=(const StepRelay&) = delete;

  int fd() const { return event_fd_; }  // readable when a question waits to be sent

  // Job thread: blocks until the decision on `report` arrives (its answer), the timeout passes
  // (true) or the job is abandoned (false).
  bool ask(const StepReport& report);

  // Loop: the question waiting to be sent, once.
  std::optional<StepReport> take_question();
  // Loop: the decision on the report at `step`; ignored unless that report is waiting.
  void answer(std::int64_t step, bool go_on);
  // Loop: the job ends; a report waiting now, or asked later, hears "stop" until reset().
  void abandon();
  // Loop: before a new job starts.
  void reset();

  // How long decisions took (ask to answer), for the log: "N decisions, p50 .. ms, p99 .. ms,
  // M timed out", or empty when none was asked.
  std::string latency_summary() const;

 private:
  std::chrono::milliseconds timeout_;
  mutable std::mutex mutex_;
  std::condition_variable decided_;
  std::optional<StepReport> question_;   // asked, not yet taken by the loop
  std::optional<std::int64_t> waiting_;  // the step whose decision the job thread waits for
  std::optional<bool> answer_;
  bool abandoned_ = false;
  int event_fd_ = -1;
  std::vector<double> latencies_ms_;     // of answered questions
  std::uint64_t timed_out_ = 0;
};

}  // namespace quante::worker
