// quante-worker: serves objectives to a quante-broker, one job at a time. See worker.hpp.
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "logging.hpp"
#include "worker.hpp"

int main(int argc, char** argv) {
  using namespace quante::worker;
  WorkerSettings settings;
  std::string log_level;
  int heartbeat_ms = static_cast<int>(settings.heartbeat.count());
  double timeout_s = static_cast<double>(settings.default_timeout.count()) / 1000.0;
  int reconnect_ms = static_cast<int>(settings.reconnect_initial.count());
  CLI::App app{"quante-worker: evaluates quante-carlo jobs, one at a time, for a quante-broker"};
  app.set_version_flag("--version", "quante-worker 0.1.0");
  app.add_option("--broker", settings.broker, "the broker's worker endpoint")->capture_default_str();
  app.add_option("--objective", settings.objectives,
                 "NAME=SPEC, SPEC being builtin:FUNCTION, exec:COMMAND or plugin:/path/lib.so (repeatable)")
      ->required();
  app.add_option("--gpu", settings.gpu, "the GPU this worker owns (sets CUDA_VISIBLE_DEVICES)")->check(CLI::Range(0, 1023));
  app.add_option("--name", settings.name, "worker name (default HOST/gpuN or HOST/pidP)");
  app.add_option("--timeout", timeout_s, "seconds a job may run when its study sets no timeout")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--heartbeat-ms", heartbeat_ms, "heartbeat interval in milliseconds")->capture_default_str()->check(CLI::Range(10, 60000));
  app.add_option("--liveness", settings.liveness, "missed broker heartbeats before reconnecting")->capture_default_str()->check(CLI::Range(2, 100));
  app.add_option("--reconnect-ms", reconnect_ms, "first reconnect back-off in milliseconds (doubles to 32 s)")->capture_default_str()->check(CLI::Range(1, 60000));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error (default: SPDLOG_LEVEL or info)");
  CLI11_PARSE(app, argc, argv);
  settings.heartbeat = std::chrono::milliseconds(heartbeat_ms);
  settings.default_timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  settings.reconnect_initial = std::chrono::milliseconds(reconnect_ms);

  quante::setup_logging("worker", log_level);
  try {
    quante::StopSignal stop;
    if (settings.gpu >= 0) ::setenv("CUDA_VISIBLE_DEVICES", std::to_string(settings.gpu).c_str(), 1);
    ObjectiveContext context;
    context.gpu = settings.gpu;
    context.timeout = settings.default_timeout;
    std::map<std::string, std::unique_ptr<Objective>> objectives;
    for (const auto& option : settings.objectives) {
      const NamedSpec named = parse_objective_option(option);
      if (!named.error.empty()) {
        spdlog::critical("--objective {}: {}", option, named.error);
        return 2;
      }
      auto made = make_objective(named.spec, context);
      if (!made.objective) {
        spdlog::critical("--objective {}: {}", option, made.error);
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
