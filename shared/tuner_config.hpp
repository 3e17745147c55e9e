// /etc/quante/tuner.toml: where `quante-tuner run` finds the broker and with which keys
// (config/tuner.toml documents every key with its default). The study itself stays in its own
// study file. Errors are values naming the file and the key; the command line wins.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "config_reader.hpp"
#include "socket_security.hpp"

namespace quante {

struct TunerConfig {
  std::string broker = "tcp://127.0.0.1:5555";
  int heartbeat_ms = 1000;
  int liveness = 5;
  std::string progress = "auto";   // live, lines or auto
  std::string log_level;
  std::string metrics;             // ADDR:PORT of the Prometheus endpoint; empty: none
  bool metrics_allow_remote = false;
  ClientSecurity security;         // [security]: broker_public_key(_file), secret_key_file
};

std::variant<TunerConfig, ConfigError> parse_tuner_config(const std::string& toml_text, const std::string& source);
std::variant<TunerConfig, ConfigError> load_tuner_config(const std::string& path);
std::optional<ConfigError> validate_tuner_config(const TunerConfig& config, const std::string& source);

}  // namespace quante
