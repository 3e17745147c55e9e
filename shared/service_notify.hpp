// The systemd notify protocol (sd_notify), for Type=notify units: READY=1 once serving,
// WATCHDOG=1 from the main loop (at most every WATCHDOG_USEC / 2), STOPPING=1 on the way out.
// All are no-ops when NOTIFY_SOCKET is unset, so the same binaries run outside systemd.
#pragma once

namespace quante {

void notify_ready();
// Call on every turn of the main loop; sends a ping only when half the watchdog period passed.
void notify_watchdog();
void notify_stopping();

}  // namespace quante
