// /etc/quante/broker.toml and quante-broker's command line: the broker's endpoints, limits and
// keys (config/broker.toml documents every key with its default). One struct is both what the
// file and the command line fill and what the broker runs with; its defaults are the documented
// ones (docs/reliability.md: heartbeat 1 s, liveness 5, 3 attempts of a job whose worker died).
// broker_config.cpp holds the one table that describes every key (config_table.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "config_error.hpp"
#include "socket_security.hpp"

namespace quante {

struct BrokerConfig {
  std::string frontend = "tcp://127.0.0.1:5555";     // tuners (ROUTER); plaintext stays on loopback
  std::string backend = "tcp://127.0.0.1:5556";      // workers (ROUTER)
  std::chrono::milliseconds heartbeat{1000};         // sent to every peer this often
  int liveness = 5;                                  // a worker silent for liveness * heartbeat is lost
  std::uint32_t max_attempts = 3;                    // a job that lost this many workers is failed
  std::chrono::milliseconds result_resend{3000};     // re-send an unacknowledged result after this
  std::chrono::seconds orphan_timeout{600};          // forget jobs of a tuner silent this long
  std::size_t max_jobs = 100000;                     // jobs held at once (queued + running + unacked)
  std::size_t max_jobs_per_tuner = 10000;            // of which one tuner (connection) may hold at most
  std::size_t max_workers = 4096;                    // workers registered at once; more are refused
  int max_result_resends = 10;                       // unacknowledged result re-sends before it is only held
  int send_high_water_mark = 10000;                  // per peer, on both sockets
  std::string log_level;                             // empty: SPDLOG_LEVEL or info
  std::string metrics;                               // ADDR:PORT of the Prometheus endpoint; empty: none
  bool metrics_allow_remote = false;                 // serve metrics on a non-loopback address
  ServerSecurity security;                           // [security]; plaintext unless keys are configured
  int job_silence_beats = 3;  // not a key: worker heartbeats naming another job before its job is re-queued
};

namespace config_detail {
template <class Config>
class Table;
}
// Every key of the file and the command line, described once.
const config_detail::Table<BrokerConfig>& broker_config_table();

Expected<BrokerConfig> parse_broker_config(const std::string& toml_text, const std::string& source);
Expected<BrokerConfig> load_broker_config(const std::string& path);
// Range and form checks of every key (values may have come from the command line).
Expected<void> validate_broker_config(const BrokerConfig& config, const std::string& source);

}  // namespace quante
