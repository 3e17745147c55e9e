// Logging set-up shared by every executable: spdlog to stderr, level from --log-level or the
// SPDLOG_LEVEL environment variable (as spdlog's own convention), process name in each line.
#pragma once

#include <string>

namespace quante {

// level: "trace", "debug", "info", "warn", "error", "off"; empty -> SPDLOG_LEVEL or "info".
void setup_logging(const std::string& process_name, const std::string& level = "");

}  // namespace quante
