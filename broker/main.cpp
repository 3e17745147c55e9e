// quante-broker: routes jobs from tuners to workers and results back. See broker.hpp.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "broker.hpp"
#include "logging.hpp"

int main(int argc, char** argv) {
  quante::broker::BrokerSettings settings;
  std::string log_level;
  int heartbeat_ms = static_cast<int>(settings.heartbeat.count());
  CLI::App app{"quante-broker: routes quante-carlo jobs from tuners to workers"};
  app.set_version_flag("--version", "quante-broker 0.1.0");
  app.add_option("--frontend", settings.frontend, "endpoint tuners connect to")->capture_default_str();
  app.add_option("--backend", settings.backend, "endpoint workers connect to")->capture_default_str();
  app.add_option("--heartbeat-ms", heartbeat_ms, "heartbeat interval in milliseconds")->capture_default_str()->check(CLI::Range(10, 60000));
  app.add_option("--liveness", settings.liveness, "missed heartbeats before a worker is lost")->capture_default_str()->check(CLI::Range(2, 100));
  app.add_option("--max-attempts", settings.max_attempts, "workers a job may lose before it fails")->capture_default_str()->check(CLI::Range(1, 100));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error (default: SPDLOG_LEVEL or info)");
  CLI11_PARSE(app, argc, argv);
  settings.heartbeat = std::chrono::milliseconds(heartbeat_ms);

  quante::setup_logging("broker", log_level);
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
