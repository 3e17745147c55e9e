// Runs one job at a time on its own thread so the worker's loop keeps heart-beating while an
// objective trains. Completion is signalled on an eventfd that the loop polls next to its socket.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "objectives/objective.hpp"
#include "protocol.hpp"
#include "step_relay.hpp"
#include "unique_fd.hpp"

namespace quante::worker {

class JobRunner {
 public:
  explicit JobRunner(std::chrono::milliseconds decision_timeout = std::chrono::seconds(10));
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  int fd() const { return event_fd_.get(); }   // readable when a job has finished
  bool busy() const;
  // Starts `job` on `objective`; precondition: !busy().
  void start(Objective& objective, protocol::Job job);
  // The finished job and its outcome, once fd() is readable; clears busy().
  std::optional<std::pair<protocol::Job, protocol::Outcome>> take_finished();
  // Asks the running objective to stop (a report waiting for a decision hears "stop").
  void cancel();
  // The running job's rung reports: the loop sends each question on and hands the answer back.
  StepRelay& relay() { return relay_; }
  const protocol::Job* current() const { return running_ ? &job_ : nullptr; }

 private:
  void loop();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  Objective* objective_ = nullptr;
  protocol::Job job_;
  bool running_ = false;      // a job was started and not yet taken
  bool has_work_ = false;     // the thread should pick job_ up
  std::optional<protocol::Outcome> outcome_;
  bool quit_ = false;
  UniqueFd event_fd_;
  StepRelay relay_;
  std::thread thread_;
};

protocol::FailureClass to_failure_class(FailureKind kind);

}  // namespace quante::worker
