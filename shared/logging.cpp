#include "logging.hpp"

#include <cstdlib>

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace quante {

void setup_logging(const std::string& process_name, const std::string& level) {
  auto logger = spdlog::stderr_color_mt(process_name);
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %n[%P] %^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
  spdlog::cfg::load_env_levels();
  // spdlog reads an unknown name as "off": never let a typo silence a process (the mains refuse
  // unknown levels with exit 2 before this; this is the last guard).
  if (!level.empty()) {
    const auto parsed = spdlog::level::from_str(level);
    if (parsed == spdlog::level::off && level != "off")
      spdlog::warn("unknown log level '{}' (trace, debug, info, warn, error, critical, off): logging at info", level);
    else
      spdlog::set_level(parsed);
  }
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace quante
