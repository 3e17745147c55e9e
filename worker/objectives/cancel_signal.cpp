// See cancel_signal.hpp.
#include "cancel_signal.hpp"

#include <unistd.h>

#include <cstdint>

namespace quante::worker {

CancelSignal::CancelSignal() : fd_(make_eventfd()) {}

void CancelSignal::raise() {
  {
    std::lock_guard lock(mutex_);
    raised_ = true;
  }
  changed_.notify_all();
  const std::uint64_t one = 1;
  // Cannot fail short of a counter overflow; a failed write only loses the poll wake-up, and
  // every poll loop also checks raised() after each wake.
  [[maybe_unused]] const auto written = ::write(fd_.get(), &one, sizeof one);
}

void CancelSignal::clear() {
  std::lock_guard lock(mutex_);
  raised_ = false;
  std::uint64_t count = 0;
  [[maybe_unused]] const auto got = ::read(fd_.get(), &count, sizeof count);  // EAGAIN when not raised
}

bool CancelSignal::wait_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return changed_.wait_until(lock, deadline, [this] { return raised_.load(); });
}

}  // namespace quante::worker
