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
  app.add_option("--gpu", config.gpu,
                 "the GPU this worker owns (sets CUDA_VISIBLE_DEVICES); without it a single index in an inherited "
                 "CUDA_VISIBLE_DEVICES (Slurm's) is taken as the GPU");
  app.add_option("--gpus", config.gpus,
                 "all, or a list like 0,1,3: run --per-gpu worker processes per GPU, restarted if they die (none: "
                 "not a supervisor)");
  app.add_option("--per-gpu", config.per_gpu, "workers per GPU, for trials that use a fraction of one (1-64)")
      ->capture_default_str();
  app.add_option("--slot", config.slot, "which of its GPU's workers this is (set by the --gpus supervisor)");
  app.add_option("--gpu-memory-growth-mib", config.gpu_memory_growth_mib,
                 "restart an objective whose GPU memory between jobs grew this much since its first job (0: off)")
      ->capture_default_str();
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
  if (config.gpus == "none") config.gpus.clear();
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

  if (config.gpus.empty() && config.gpu < 0) {
    // Started by Slurm (--gres=gpu:1) or by hand with CUDA_VISIBLE_DEVICES=N: that GPU is ours.
    if (const auto inherited = inherited_gpu()) config.gpu = *inherited;
  }

  WorkerSettings settings;
  settings.broker = config.broker;
  settings.name = config.name;
  settings.gpu = config.gpu;
  settings.slot = config.slot;
  settings.per_gpu = config.per_gpu;
  settings.gpu_memory_growth_mib = config.gpu_memory_growth_mib;
  settings.heartbeat = std::chrono::milliseconds(config.heartbeat_ms);
  settings.liveness = config.liveness;
  settings.reconnect_initial = std::chrono::milliseconds(config.reconnect_ms);
  settings.reconnect_max = std::chrono::milliseconds(config.reconnect_max_ms);
  settings.default_timeout = std::chrono::milliseconds(static_cast<long long>(config.timeout_s * 1000));
  settings.security = config.security;
  for (const auto& [name, objective] : config.objectives) settings.objectives.push_back(name + "=" + objective.spec);

  quante::setup_logging("worker", config.log_level);
  if (!config.gpus.empty()) return supervise_gpus(config.gpus, config.per_gpu, argc, argv);
  try {
    quante::StopSignal stop;
    if (settings.gpu >= 0) {
      // PCI order, as NVML and nvidia-smi count, unless the user chose otherwise.
      ::setenv("CUDA_DEVICE_ORDER", "PCI_BUS_ID", 0);
      ::setenv("CUDA_VISIBLE_DEVICES", std::to_string(settings.gpu).c_str(), 1);
    }
    auto objectives = ObjectiveSet::make(config.objectives, settings.gpu, settings.default_timeout);
    if (auto* error = std::get_if<std::string>(&objectives)) {
      spdlog::critical("{}", *error);
      return 2;
    }
    Worker worker(settings, std::move(std::get<ObjectiveSet>(objectives)));
    return worker.run(stop);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
