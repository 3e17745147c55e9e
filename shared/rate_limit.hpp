// Rate limiting for log lines on hot paths: a flood of bad messages must not turn into a flood
// of log lines (spdlog's habit: errors on the hot path go to a rate-limited handler).
#pragma once

#include <chrono>
#include <cstdint>

namespace quante {

class RateLimit {
 public:
  explicit RateLimit(int per_second = 10) : per_second_(per_second) {}
  // True when this event may be logged; counts the ones suppressed since the last allowed one.
  bool allow() {
    const auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= std::chrono::seconds(1)) {
      window_start_ = now;
      in_window_ = 0;
    }
    if (in_window_ < per_second_) {
      ++in_window_;
      return true;
    }
    ++suppressed_;
    return false;
  }
  std::uint64_t suppressed() const { return suppressed_; }

 private:
  int per_second_;
  int in_window_ = 0;
  std::chrono::steady_clock::time_point window_start_{};
  std::uint64_t suppressed_ = 0;
};

}  // namespace quante
