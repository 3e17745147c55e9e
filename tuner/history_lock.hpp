// One tuner per history: `quante-tuner run` holds an exclusive flock on HISTORY.lock for as long
// as it runs. Two tuners appending to one history would record more trials than the budget and
// interleave their journals; the second is refused at start, with the holder named. The lock
// goes with the process (a SIGKILLed tuner leaves no stale lock: the kernel releases it).
//
// The lock file's text says who holds it ("pid 123 on host-a since 1764270000"); when `run` ends
// it writes how ("finished budget at ..." or "stopped signal at ..."), which `quante-tuner list`
// shows for a study that no tuner holds (probe()).
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
  // Replaces the lock file's text (say how the run ended), still holding the lock.
  void note(const std::string& text);

 private:
  explicit HistoryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

std::string lock_path(const std::string& history_path);

// What the lock file says, without taking the lock for longer than the look: held by a running
// tuner or not, and its text (empty when there is no lock file).
struct LockProbe {
  bool exists = false;
  bool held = false;
  std::string text;
};
LockProbe probe_lock(const std::string& history_path);

}  // namespace quante::tuner
