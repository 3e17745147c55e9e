// quante-worker: serves objectives to a quante-broker, one job at a time. See worker.hpp.
// Settings come from --config FILE (TOML, see config/worker.toml), then the command line (wins).
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli_exit.hpp"
#include "config_table.hpp"
#include <spdlog/spdlog.h>

#include "logging.hpp"
#include "supervisor.hpp"
#include "worker.hpp"
#include "worker_config.hpp"

int main(int argc, char** argv) {
  using namespace quante::worker;
  const auto& table = quante::worker_config_table();
  quante::WorkerConfig config;
  std::string config_path;
  if (!quante::config_detail::load_config_argument(argc, argv, table, config, config_path, "quante-worker")) return 2;
  std::vector<std::string> objective_options;
  CLI::App app{"quante-worker: evaluates quante-carlo jobs, one at a time, for a quante-broker"};
  app.set_version_flag("--version", "quante-worker 0.1.0");
  app.add_option("--config", config_path, "TOML config file (e.g. /etc/quante/worker.toml); the command line wins");
  app.add_option("--objective", objective_options,
                 "NAME=SPEC, SPEC being builtin:FUNCTION, exec:COMMAND or plugin:/path/lib.so (repeatable; "
                 "adds to or replaces the config's objectives)");
  quante::config_detail::CommandLine command_line(table, config);
  command_line.add_options(app);
  QUANTE_CLI_PARSE(app, argc, argv);
  if (config.gpus == "none") config.gpus.clear();
  for (const auto& option : objective_options) {
    if (auto done = quante::add_objective_option(config, option); !done) {
      std::cerr << "quante-worker: " << done.error().message << "\n";
      return 2;
    }
  }
  if (auto done = command_line.finish(config_path.empty() ? "command line" : config_path); !done) {
    std::cerr << "quante-worker: " << done.error().message << "\n";
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

  quante::setup_logging("worker", config.log_level);
  if (!config.gpus.empty()) return supervise_gpus(config.gpus, config.per_gpu, argc, argv);
  try {
    quante::StopSignal stop;
    if (config.gpu >= 0) {
      // PCI order, as NVML and nvidia-smi count, unless the user chose otherwise.
      ::setenv("CUDA_DEVICE_ORDER", "PCI_BUS_ID", 0);
      ::setenv("CUDA_VISIBLE_DEVICES", std::to_string(config.gpu).c_str(), 1);
    }
    auto objectives = ObjectiveSet::make(config.objectives, config.gpu, config.default_timeout());
    if (!objectives) {
      spdlog::critical("{}", objectives.error().message);
      return 2;
    }
    Worker worker(config, std::move(objectives).value());
    return worker.run(stop);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
