// A sticky, thread-safe "stop now" flag that both a condition-variable waiter and a poll() loop
// can wait on: raise() sets it, notifies waiters and makes fd() readable; clear() resets it.
// Objectives raise it from cancel() and clear it when evaluate returns (see Objective::cancel).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "unique_fd.hpp"

namespace quante::worker {

class CancelSignal {
 public:
  CancelSignal();  // throws std::system_error when no eventfd can be made
  CancelSignal(const CancelSignal&) = delete;
  CancelSignal& operator=(const CancelSignal&) = delete;

  void raise();  // thread-safe, async-signal-unsafe
  bool raised() const { return raised_.load(); }
  void clear();
  int fd() const { return fd_.get(); }  // readable while raised
  // Sleeps until raised or the deadline; true when raised.
  bool wait_until(std::chrono::steady_clock::time_point deadline);

 private:
  UniqueFd fd_;
  std::atomic<bool> raised_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace quante::worker
