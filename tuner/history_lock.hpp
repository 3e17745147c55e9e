// One tuner per history: `quante-tuner run` holds an exclusive flock on HISTORY.lock for as long
// as it runs. Two tuners appending to one history would record more trials than the budget and
// interleave their journals; the second is refused at start, with the holder named. The lock
// goes with the process (a SIGKILLed tuner leaves no stale lock: the kernel releases it).
#pragma once

#include <string>
#include <variant>

namespace quante::tuner {

class HistoryLock {
 public:
  // The lock, or why it cannot be had ("in use by pid 123 on host-a since ...", or the system's
  // reason when the lock file cannot be opened).
  static std::variant<HistoryLock, std::string> acquire(const std::string& history_path);
  HistoryLock(HistoryLock&& other) noexcept;
  HistoryLock& operator=(HistoryLock&&) = delete;
  HistoryLock(const HistoryLock&) = delete;
  HistoryLock& operator=(const HistoryLock&) = delete;
  ~HistoryLock();

 private:
  explicit HistoryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

std::string lock_path(const std::string& history_path);

}  // namespace quante::tuner
