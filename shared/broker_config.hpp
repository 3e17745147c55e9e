// /etc/quante/broker.toml: the broker's endpoints, limits and keys (config/broker.toml documents
// every key with its default). Parsed into a plain struct whose defaults are the documented ones;
// errors are values naming the file and the key. The command line writes into the same struct
// after the file (CLI wins), and validate_broker_config checks the result either way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "config_reader.hpp"
#include "socket_security.hpp"

namespace quante {

struct BrokerConfig {
  std::string frontend = "tcp://127.0.0.1:5555";  // tuners
  std::string backend = "tcp://127.0.0.1:5556";   // workers
  int heartbeat_ms = 1000;
  int liveness = 5;
  int max_attempts = 3;
  int result_resend_ms = 3000;
  int orphan_timeout_s = 600;
  std::int64_t max_jobs = 100000;
  std::int64_t max_jobs_per_tuner = 10000;
  std::int64_t max_workers = 4096;
  int max_result_resends = 10;
  int send_high_water_mark = 10000;
  std::string log_level;                          // empty: SPDLOG_LEVEL or info
  std::string metrics;                            // ADDR:PORT of the Prometheus endpoint; empty: none
  bool metrics_allow_remote = false;              // serve metrics on a non-loopback address
  ServerSecurity security;                        // [security]
};

std::variant<BrokerConfig, ConfigError> parse_broker_config(const std::string& toml_text, const std::string& source);
std::variant<BrokerConfig, ConfigError> load_broker_config(const std::string& path);
// Range and form checks of every key (values may have come from the command line).
std::optional<ConfigError> validate_broker_config(const BrokerConfig& config, const std::string& source);

}  // namespace quante
