// Heartbeats and reconnects as the ZeroMQ Guide's Paranoid Pirate does them, written once for the
// broker, the worker and the tuner (docs/reliability.md): a peer is alive while it was heard
// within `liveness` heartbeats; a heartbeat is due every `heartbeat`; a reconnect waits a back-off
// that doubles up to a ceiling while the peer stays away and starts again from the first value
// once it is heard. Time is passed in (never read here), so tests drive it with a fake clock.
#pragma once

#include <algorithm>
#include <chrono>

namespace quante {

class Liveness {
 public:
  using Clock = std::chrono::steady_clock;
  Liveness(std::chrono::milliseconds heartbeat, int liveness) : heartbeat_(heartbeat), liveness_(liveness) {}

  // Anything from the peer counts: it is alive, and (after a connect) our first beat is due now.
  void heard(Clock::time_point now) { last_heard_ = now; }
  void connected(Clock::time_point now) {
    last_heard_ = now;
    next_beat_ = now;
  }
  bool silent(Clock::time_point now) const { return silent_since(last_heard_, now, heartbeat_, liveness_); }
  Clock::time_point silent_at() const { return last_heard_ + heartbeat_ * liveness_; }

  bool beat_due(Clock::time_point now) const { return now >= next_beat_; }
  void beat_sent(Clock::time_point now) { next_beat_ = now + heartbeat_; }
  Clock::time_point next_beat() const { return next_beat_; }
  // The earlier of the next beat and the moment the peer counts as silent: when to wake up.
  Clock::time_point next_deadline() const { return std::min(next_beat_, silent_at()); }

  // More than `liveness` heartbeats since `last_heard`: the one test of a peer's silence (the
  // broker applies it to each worker it tracks).
  static bool silent_since(Clock::time_point last_heard, Clock::time_point now, std::chrono::milliseconds heartbeat,
                           int liveness) {
    return now - last_heard > heartbeat * liveness;
  }

  std::chrono::milliseconds heartbeat() const { return heartbeat_; }
  int liveness() const { return liveness_; }

 private:
  std::chrono::milliseconds heartbeat_;
  int liveness_;
  Clock::time_point last_heard_{};
  Clock::time_point next_beat_{};
};

// Exponential back-off between reconnects: initial, 2 initial, 4 initial, ... up to max.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(initial), max_(std::max(initial, max)), current_(initial) {}
  // The wait before this attempt; the next one waits twice as long (at most max).
  std::chrono::milliseconds next() {
    const auto wait = current_;
    current_ = std::min(current_ * 2, max_);
    return wait;
  }
  std::chrono::milliseconds current() const { return current_; }
  void reset() { current_ = initial_; }

 private:
  std::chrono::milliseconds initial_, max_, current_;
};

}  // namespace quante
