#include "service_notify.hpp"

namespace quante {

// Plain no-ops until the systemd integration lands (issue: systemd services).
void notify_ready() {}
void notify_watchdog() {}
void notify_stopping() {}

}  // namespace quante
