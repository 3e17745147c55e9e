// The systemd notify protocol (sd_notify), for Type=notify units: READY=1 once serving,
// WATCHDOG=1 from the main loop (at most every WATCHDOG_USEC / 2), STOPPING=1 on the way out.
// All are no-ops when NOTIFY_SOCKET is unset, so the same binaries run outside systemd.
//
// The protocol is written by hand (one datagram per state change to the AF_UNIX socket named by
// NOTIFY_SOCKET, '@' meaning the abstract namespace), as sd_notify(3) documents it, so the
// binaries need no libsystemd at run time and tests can play the service manager.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace quante {

void notify_ready();
// Call on every turn of the main loop; sends a ping only when half the watchdog period passed.
void notify_watchdog();
void notify_stopping();
// Any other state line, e.g. "STATUS=3 workers" (no-op without NOTIFY_SOCKET).
void notify_status(const std::string& status);

// The pacing of watchdog pings, with an injected clock so tests drive time: a ping is due at
// the first call and then whenever `period` (WATCHDOG_USEC / 2) has passed since the last one.
class WatchdogPacer {
 public:
  using Clock = std::chrono::steady_clock;
  explicit WatchdogPacer(std::chrono::microseconds period) : period_(period) {}
  // True when a ping should be sent now (and records it as sent).
  bool due(Clock::time_point now);
  std::chrono::microseconds period() const { return period_; }

 private:
  std::chrono::microseconds period_;
  std::optional<Clock::time_point> last_;
};

// The watchdog interval systemd asks for: WATCHDOG_USEC, if WATCHDOG_PID is unset or names this
// process. nullopt when there is no watchdog (or the values are malformed).
std::optional<std::chrono::microseconds> watchdog_interval_from_environment();

// Sends one datagram to `notify_socket` (a path, or '@' + an abstract name). False on failure.
bool send_notify_datagram(const std::string& notify_socket, const std::string& text);

}  // namespace quante
