// quante-broker: routes jobs from tuners to workers and results back. See broker.hpp.
// Settings come from --config FILE (TOML, see config/broker.toml), then the command line (wins).
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "broker.hpp"
#include "broker_config.hpp"
#include "cli_exit.hpp"
#include "logging.hpp"

int main(int argc, char** argv) {
  quante::BrokerConfig config;
  std::string config_path;
  if (auto path = quante::config_detail::find_config_argument(argc, argv)) {
    auto loaded = quante::load_broker_config(*path);
    if (auto* error = std::get_if<quante::ConfigError>(&loaded)) {
      std::cerr << "quante-broker: bad config: " << error->message << "\n";
      return 2;
    }
    config = std::get<quante::BrokerConfig>(std::move(loaded));
    config_path = *path;
  }
  CLI::App app{"quante-broker: routes quante-carlo jobs from tuners to workers"};
  app.set_version_flag("--version", "quante-broker 0.1.0");
  app.add_option("--config", config_path, "TOML config file (e.g. /etc/quante/broker.toml); the command line wins");
  app.add_option("--frontend", config.frontend, "endpoint tuners connect to")->capture_default_str();
  app.add_option("--backend", config.backend, "endpoint workers connect to")->capture_default_str();
  app.add_option("--heartbeat-ms", config.heartbeat_ms, "heartbeat interval in milliseconds")->capture_default_str();
  app.add_option("--liveness", config.liveness, "missed heartbeats before a worker is lost")->capture_default_str();
  app.add_option("--max-attempts", config.max_attempts, "workers a job may lose before it fails")->capture_default_str();
  app.add_option("--result-resend-ms", config.result_resend_ms, "re-send an unacknowledged result after this")->capture_default_str();
  app.add_option("--orphan-timeout-s", config.orphan_timeout_s, "forget the jobs of a tuner silent this long")->capture_default_str();
  app.add_option("--max-jobs", config.max_jobs, "jobs held at once (queued, running, unacknowledged)")->capture_default_str();
  app.add_option("--max-jobs-per-tuner", config.max_jobs_per_tuner, "of which one tuner may hold at most")->capture_default_str();
  app.add_option("--max-workers", config.max_workers, "workers registered at once; more are refused")->capture_default_str();
  app.add_option("--max-result-resends", config.max_result_resends, "re-sends of an unacknowledged result; then it is only held")
      ->capture_default_str();
  app.add_option("--send-high-water-mark", config.send_high_water_mark, "messages queued per peer")->capture_default_str();
  app.add_option("--secret-key-file", config.security.secret_key_file, "the broker's CURVE secret key (quante-keygen); none: plaintext");
  app.add_option("--tuner-keys-file", config.security.tuner_keys_file, "allow-list of tuner public keys");
  app.add_option("--worker-keys-file", config.security.worker_keys_file, "allow-list of worker public keys");
  app.add_flag("--allow-plaintext-remote", config.security.allow_plaintext_remote,
               "allow plaintext on endpoints that are not loopback or ipc");
  app.add_option("--metrics", config.metrics,
                 "serve Prometheus metrics at http://ADDR:PORT/metrics (e.g. 127.0.0.1:9464; port 0: any free port)");
  app.add_flag("--metrics-allow-remote", config.metrics_allow_remote,
               "allow --metrics on an address that is not loopback (anyone who reaches it can read the farm's counters)");
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error (default: SPDLOG_LEVEL or info)");
  QUANTE_CLI_PARSE(app, argc, argv);
  if (auto error = quante::validate_broker_config(config, config_path.empty() ? "command line" : config_path)) {
    std::cerr << "quante-broker: " << error->message << "\n";
    return 2;
  }

  quante::broker::BrokerSettings settings;
  settings.frontend = config.frontend;
  settings.backend = config.backend;
  settings.heartbeat = std::chrono::milliseconds(config.heartbeat_ms);
  settings.liveness = config.liveness;
  settings.max_attempts = static_cast<std::uint32_t>(config.max_attempts);
  settings.result_resend = std::chrono::milliseconds(config.result_resend_ms);
  settings.orphan_timeout = std::chrono::seconds(config.orphan_timeout_s);
  settings.max_jobs = static_cast<std::size_t>(config.max_jobs);
  settings.max_jobs_per_tuner = static_cast<std::size_t>(config.max_jobs_per_tuner);
  settings.max_workers = static_cast<std::size_t>(config.max_workers);
  settings.max_result_resends = config.max_result_resends;
  settings.send_high_water_mark = config.send_high_water_mark;
  settings.security = config.security;
  settings.metrics = config.metrics;
  settings.metrics_allow_remote = config.metrics_allow_remote;

  quante::setup_logging("broker", config.log_level);
  try {
    quante::StopSignal stop;
    quante::broker::Broker broker(settings);
    broker.run(stop);
    return 0;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
