// The worker's configuration table: one row per key of worker.toml and option of quante-worker;
// [objectives] and --objective NAME=SPEC are read by hand (a table of tables, a repeatable option).
#include "worker_config.hpp"

#include <algorithm>
#include <cctype>

#include "client_security_keys.hpp"
#include "config_table.hpp"

namespace quante {

using namespace config_detail;

namespace {

bool valid_objective_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
}

void check_objective(const std::string& source, const std::string& name, const ObjectiveConfig& o) {
  const std::string key = "objectives." + name;
  if (!valid_objective_name(name)) fail(source, key, "an objective name is letters, digits, '_', '.' and '-'");
  const bool known = o.spec.rfind("builtin:", 0) == 0 || o.spec.rfind("exec:", 0) == 0 || o.spec.rfind("plugin:", 0) == 0;
  if (!known) fail(source, key, "the spec '" + o.spec + "' must start with builtin:, exec: or plugin:");
  if (o.spec.find(':') + 1 == o.spec.size()) fail(source, key, "the spec '" + o.spec + "' names nothing after its kind");
  if (o.timeout_s && !(*o.timeout_s > 0 && *o.timeout_s <= 30 * 86400.0))
    fail(source, key + ".timeout", "must be between 0 (excluded) and 2592000 seconds");
}

void check_across(const WorkerConfig& c, const std::string& source) {
  if (c.slot >= c.per_gpu) fail(source, "slot", "must be between -1 (none) and per_gpu - 1");
  if (!c.gpus.empty() && c.gpu >= 0) fail(source, "gpus", "give either gpus (a supervisor of several workers) or gpu (one)");
  if (c.reconnect_max < c.reconnect_initial) fail(source, "reconnect_max_ms", "must be between reconnect_ms and 600000");
  check_client_security(c.security, source);
  for (const auto& [name, objective] : c.objectives) check_objective(source, name, objective);
}

// [objectives]: NAME = "SPEC" or NAME = { spec = ..., timeout = ..., config = ... }.
void read_objectives(const toml::table& objectives, WorkerConfig& c, const std::string& source) {
  for (const auto& [key, node] : objectives) {
    const std::string name(key.str());
    ObjectiveConfig o;
    if (const auto* spec = node.as_string()) {
      o.spec = spec->get();
    } else if (const auto* table = node.as_table()) {
      TableReader t(*table, source, "objectives." + name + ".");
      t.allow_only({"spec", "timeout", "config"});
      auto spec_value = t.string("spec");
      if (!spec_value) fail(source, "objectives." + name + ".spec", "is required");
      o.spec = *spec_value;
      if (auto v = t.number("timeout", 1e-3, 30 * 86400.0)) o.timeout_s = *v;
      if (auto v = t.string("config")) o.config = *v;
    } else {
      fail(source, "objectives." + name, "must be a spec string or a table { spec = ..., timeout = ... }");
    }
    c.objectives[name] = o;
  }
}

Table<WorkerConfig> make_table() {
  using C = WorkerConfig;
  Table<C> t;
  t.text("broker", &C::broker, "the broker's worker endpoint", check_endpoint)
      .text("name", &C::name, "worker name (default HOST/gpuN or HOST/pidP)")
      .integer("gpu", &C::gpu, {-1, 1023},
               "the GPU this worker owns (sets CUDA_VISIBLE_DEVICES); without it a single index in an inherited "
               "CUDA_VISIBLE_DEVICES (Slurm's) is taken as the GPU")
      .text("gpus", &C::gpus,
            "all, or a list like 0,1,3: run --per-gpu worker processes per GPU, restarted if they die (none: "
            "not a supervisor)")
      .integer("per_gpu", &C::per_gpu, {1, 64}, "workers per GPU, for trials that use a fraction of one (1-64)")
      .integer("slot", &C::slot, {-1, 63}, "which of its GPU's workers this is (set by the --gpus supervisor)")
      .command_line_only()
      .integer("gpu_memory_growth_mib", &C::gpu_memory_growth_mib, {0, 1 << 30},
               "restart an objective whose GPU memory between jobs grew this much since its first job (0: off)")
      .number("timeout", &C::timeout_s, {1e-3, 30 * 86400.0}, "seconds a job may run when its study sets no timeout")
      .integer("heartbeat_ms", &C::heartbeat, {10, 60000}, "heartbeat interval in milliseconds")
      .integer("liveness", &C::liveness, {2, 100}, "missed broker heartbeats before reconnecting")
      .integer("reconnect_ms", &C::reconnect_initial, {1, 60000}, "first reconnect back-off in milliseconds")
      .integer("reconnect_max_ms", &C::reconnect_max, {1, 600000}, "longest reconnect back-off in milliseconds")
      .text("log_level", &C::log_level, "trace, debug, info, warn, error (default: SPDLOG_LEVEL or info)", check_log_level);
  client_security_keys(t, "this worker's").section("objectives", read_objectives).cross_check(check_across);
  return t;
}

}  // namespace

const Table<WorkerConfig>& worker_config_table() {
  static const Table<WorkerConfig> table = make_table();
  return table;
}

Expected<WorkerConfig> parse_worker_config(const std::string& text, const std::string& source) {
  return worker_config_table().parse(text, source);
}

Expected<WorkerConfig> load_worker_config(const std::string& path) {
  return worker_config_table().load(path);
}

Expected<void> validate_worker_config(const WorkerConfig& config, const std::string& source) {
  return worker_config_table().validate(config, source);
}

Expected<void> add_objective_option(WorkerConfig& config, const std::string& text) {
  const auto equals = text.find('=');
  if (equals == std::string::npos) return ConfigError{"--objective " + text + ": expected NAME=SPEC"};
  const std::string name = text.substr(0, equals);
  ObjectiveConfig o;
  o.spec = text.substr(equals + 1);
  if (auto existing = config.objectives.find(name); existing != config.objectives.end()) {
    o.timeout_s = existing->second.timeout_s;  // the config's timeout and plugin config stay
    o.config = existing->second.config;
  }
  try {
    check_objective("command line", name, o);
  } catch (const Fail& f) {
    return ConfigError{f.message};
  }
  config.objectives[name] = o;
  return {};
}

}  // namespace quante
