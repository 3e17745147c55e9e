// /etc/quante/tuner.toml: where `quante-tuner run` finds the broker and with which keys
// (config/tuner.toml documents every key with its default). The study itself stays in its own
// study file. Errors are values naming the file and the key; the command line wins. `run` runs
// with this struct (study_runner.hpp's RunSettings extends it); tuner_config.cpp holds its table.
#pragma once

#include <chrono>
#include <string>

#include "config_error.hpp"
#include "socket_security.hpp"

namespace quante {

struct TunerConfig {
  std::string broker = "tcp://127.0.0.1:5555";
  std::chrono::milliseconds heartbeat{1000};
  int liveness = 5;                // broker silent this many beats -> reconnect
  std::string progress = "auto";   // live, lines or auto
  std::string log_level;
  std::string metrics;             // ADDR:PORT of the Prometheus endpoint; empty: none
  bool metrics_allow_remote = false;
  ClientSecurity security;         // [security]: broker_public_key(_file), secret_key_file
};

namespace config_detail {
template <class Config>
class Table;
}
// Every key of the file and of `run`'s command line (--log-level: of every subcommand), described once.
const config_detail::Table<TunerConfig>& tuner_config_table();

Expected<TunerConfig> parse_tuner_config(const std::string& toml_text, const std::string& source);
Expected<TunerConfig> load_tuner_config(const std::string& path);
Expected<void> validate_tuner_config(const TunerConfig& config, const std::string& source);

}  // namespace quante
