// quante-broker: routes jobs from tuners to workers and results back. See broker.hpp.
// Settings come from --config FILE (TOML, see config/broker.toml), then the command line (wins).
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "broker.hpp"
#include "broker_config.hpp"
#include "cli_exit.hpp"
#include "config_table.hpp"
#include "logging.hpp"

int main(int argc, char** argv) {
  const auto& table = quante::broker_config_table();
  quante::BrokerConfig config;
  std::string config_path;
  if (!quante::config_detail::load_config_argument(argc, argv, table, config, config_path, "quante-broker")) return 2;
  CLI::App app{"quante-broker: routes quante-carlo jobs from tuners to workers"};
  app.set_version_flag("--version", "quante-broker 0.1.0");
  app.add_option("--config", config_path, "TOML config file (e.g. /etc/quante/broker.toml); the command line wins");
  quante::config_detail::CommandLine command_line(table, config);
  command_line.add_options(app);
  QUANTE_CLI_PARSE(app, argc, argv);
  if (auto done = command_line.finish(config_path.empty() ? "command line" : config_path); !done) {
    std::cerr << "quante-broker: " << done.error().message << "\n";
    return 2;
  }

  quante::setup_logging("broker", config.log_level);
  try {
    quante::StopSignal stop;
    quante::broker::Broker broker(config);
    broker.run(stop);
    return 0;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
