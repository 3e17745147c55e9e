// /etc/quante/worker.toml and quante-worker's command line: the broker's address and public key, this worker's key pair, and the
// objectives it serves (config/worker.toml documents every key with its default). A worker only
// ever runs the objectives named here or with --objective: a job names an objective, never a
// command, so nobody who reaches the broker can make a worker run a command of their choosing.
// Errors are values naming the file and the key; the command line writes into the same struct
// after the file (CLI wins; an --objective replaces the config's objective of the same name),
// and the worker runs with that struct (docs/reliability.md's defaults: heartbeat 1 s, liveness
// 5, reconnect back-off 1 s doubling to 32 s). worker_config.cpp holds the table of its keys.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "config_error.hpp"
#include "socket_security.hpp"

namespace quante {

struct ObjectiveConfig {
  std::string spec;                  // builtin:FUNCTION, exec:COMMAND or plugin:/path/lib.so[?CONFIG]
  std::optional<double> timeout_s;   // default: the worker's timeout
  std::string config;                // a plugin's quante_setup config when its spec has no ?CONFIG
};

struct WorkerConfig {
  std::string broker = "tcp://127.0.0.1:5556";
  std::string name;                  // default HOST/gpuN, or HOST/pidP without a GPU
  int gpu = -1;
  std::string gpus;                  // "all" or "0,1,3": a supervisor runs per_gpu workers on each
  int per_gpu = 1;                   // workers per GPU (several small trials share one GPU; its memory share is 1/per_gpu)
  int slot = -1;                     // set by the supervisor: which of a GPU's workers this is; -1: the only one
  std::int64_t gpu_memory_growth_mib = 1024;  // leak guard (memory_guard.hpp): restart an objective whose GPU memory grew this much; 0: off
  double timeout_s = 3600;           // per job, when neither the study nor the objective sets one
  std::chrono::milliseconds heartbeat{1000};
  int liveness = 5;                  // broker silent this many beats -> reconnect
  std::chrono::milliseconds reconnect_initial{1000};  // back-off before reconnecting, doubling up to reconnect_max
  std::chrono::milliseconds reconnect_max{32000};
  std::string log_level;
  ClientSecurity security;           // [security]: broker_public_key(_file), secret_key_file
  std::map<std::string, ObjectiveConfig> objectives;  // [objectives]
  // Not keys: set by the worker itself or by tests.
  std::string device;                          // reported in READY; default: gpu_info.hpp's describe_gpu
  std::int64_t gpu_memory_mib = -1;            // reported in READY; -1: measured (gpu_memory.hpp)
  std::chrono::milliseconds decision_timeout{10000};  // a rung report waits this long for the tuner, then goes on

  std::chrono::milliseconds default_timeout() const {
    return std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  }
};

namespace config_detail {
template <class Config>
class Table;
}
// Every key of the file and the command line, described once ([objectives] and --objective aside).
const config_detail::Table<WorkerConfig>& worker_config_table();

Expected<WorkerConfig> parse_worker_config(const std::string& toml_text, const std::string& source);
Expected<WorkerConfig> load_worker_config(const std::string& path);
Expected<void> validate_worker_config(const WorkerConfig& config, const std::string& source);
// Adds or replaces one objective from "NAME=SPEC" (the --objective syntax); an error otherwise.
Expected<void> add_objective_option(WorkerConfig& config, const std::string& name_equals_spec);

}  // namespace quante
