// quante-worker: serves objectives to a quante-broker, one job at a time. See worker.hpp.
// Settings come from --config FILE (TOML, see config/worker.toml), then the command line (wins).
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli_exit.hpp"
#include <spdlog/spdlog.h>

#include "logging.hpp"
#include "supervisor.hpp"
#include "worker.hpp"
#include "worker_config.hpp"

int main(int argc, char** argv) {
  using namespace quante::worker;
  quante::WorkerConfig config;
  std::string config_path;
  if (auto path = quante::config_detail::find_config_argument(argc, argv)) {
    auto loaded = quante::load_worker_config(*path);
    if (auto* error = std::get_if<quante::ConfigError>(&loaded)) {
      std::cerr << "quante-worker: bad config: " << error->message << "\n";
      return 2;
    }
    config = std::get<quante::WorkerConfig>(std::move(loaded));
    config_path = *path;
  }
  std::vector<std::string> objective_options;
  CLI::App app{"quante-worker: evaluates quante-carlo jobs, one at a time, for a quante-broker"};
  app.set_version_flag("--version", "quante-worker 0.1.0");
  app.add_option("--config", config_path, "TOML config file (e.g. /etc/quante/worker.toml); the command line wins");
  app.add_option("--broker", config.broker, "the broker's worker endpoint")->capture_default_str();
  app.add_option("--objective", objective_options,
                 "NAME=SPEC, SPEC being builtin:FUNCTION, exec:COMMAND or plugin:/path/lib.so (repeatable; "
                 "adds to or replaces the config's objectives)");
  app.add_option("--gpu", config.gpu, "the GPU this worker owns (sets CUDA_VISIBLE_DEVICES)");
  std::string gpus;  // supervisor mode: supervisor.hpp
  app.add_option("--gpus", gpus, "all, or a list like 0,1,3: run one worker process per GPU, restarted if it dies");
  app.add_option("--name", config.name, "worker name (default HOST/gpuN or HOST/pidP)");
  app.add_option("--timeout", config.timeout_s, "seconds a job may run when its study sets no timeout")->capture_default_str();
  app.add_option("--heartbeat-ms", config.heartbeat_ms, "heartbeat interval in milliseconds")->capture_default_str();
  app.add_option("--liveness", config.liveness, "missed broker heartbeats before reconnecting")->capture_default_str();
  app.add_option("--reconnect-ms", config.reconnect_ms, "first reconnect back-off in milliseconds")->capture_default_str();
  app.add_option("--reconnect-max-ms", config.reconnect_max_ms, "longest reconnect back-off in milliseconds")->capture_default_str();
  app.add_option("--broker-public-key", config.security.server_public_key, "the broker's CURVE public key (Z85)");
  app.add_option("--broker-public-key-file", config.security.server_public_key_file, "the broker's NAME.pub");
  app.add_option("--secret-key-file", config.security.secret_key_file, "this worker's CURVE secret key (quante-keygen)");
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error (default: SPDLOG_LEVEL or info)");
  QUANTE_CLI_PARSE(app, argc, argv);
  const std::string source = config_path.empty() ? "command line" : config_path;
  for (const auto& option : objective_options) {
    if (auto error = quante::add_objective_option(config, option)) {
      std::cerr << "quante-worker: " << error->message << "\n";
      return 2;
    }
  }
  if (auto error = quante::validate_worker_config(config, source)) {
    std::cerr << "quante-worker: " << error->message << "\n";
    return 2;
  }
  if (config.objectives.empty()) {
    std::cerr << "quante-worker: no objectives: give --objective NAME=SPEC or [objectives] in --config\n";
    return 2;
  }

  WorkerSettings settings;
  settings.broker = config.broker;
  settings.name = config.name;
  settings.gpu = config.gpu;
  settings.heartbeat = std::chrono::milliseconds(config.heartbeat_ms);
  settings.liveness = config.liveness;
  settings.reconnect_initial = std::chrono::milliseconds(config.reconnect_ms);
  settings.reconnect_max = std::chrono::milliseconds(config.reconnect_max_ms);
  settings.default_timeout = std::chrono::milliseconds(static_cast<long long>(config.timeout_s * 1000));
  settings.security = config.security;
  for (const auto& [name, objective] : config.objectives) settings.objectives.push_back(name + "=" + objective.spec);

  quante::setup_logging("worker", config.log_level);
  if (!gpus.empty()) return supervise_gpus(gpus, argc, argv);
  try {
    quante::StopSignal stop;
    if (settings.gpu >= 0) ::setenv("CUDA_VISIBLE_DEVICES", std::to_string(settings.gpu).c_str(), 1);
    std::map<std::string, std::unique_ptr<Objective>> objectives;
    for (const auto& [name, configured] : config.objectives) {
      const NamedSpec named = parse_objective_option(name + "=" + configured.spec);
      if (!named.error.empty()) {
        spdlog::critical("objective {}: {}", name, named.error);
        return 2;
      }
      ObjectiveContext context;
      context.gpu = settings.gpu;
      context.timeout = configured.timeout_s
                            ? std::chrono::milliseconds(static_cast<long long>(*configured.timeout_s * 1000))
                            : settings.default_timeout;
      context.config = configured.config;
      auto made = make_objective(named.spec, context);
      if (!made.objective) {
        spdlog::critical("objective {}: {}", name, made.error);
        return 2;
      }
      spdlog::info("objective {} = {}", named.name, made.objective->describe());
      objectives[named.name] = std::move(made.objective);
    }
    Worker worker(settings, std::move(objectives));
    worker.run(stop);
    return 0;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
