#include "worker_config.hpp"

#include <algorithm>
#include <cctype>

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

void check(const WorkerConfig& c, const std::string& source) {
  check_endpoint(source, "broker", c.broker);
  if (c.gpu < -1 || c.gpu > 1023) fail(source, "gpu", "must be between -1 (none) and 1023");
  if (c.per_gpu < 1 || c.per_gpu > 64) fail(source, "per_gpu", "must be between 1 and 64");
  if (c.slot < -1 || c.slot >= c.per_gpu) fail(source, "slot", "must be between -1 (none) and per_gpu - 1");
  if (c.gpu_memory_growth_mib < 0 || c.gpu_memory_growth_mib > (std::int64_t{1} << 30))
    fail(source, "gpu_memory_growth_mib", "must be between 0 (off) and 1073741824");
  if (!c.gpus.empty() && c.gpu >= 0) fail(source, "gpus", "give either gpus (a supervisor of several workers) or gpu (one)");
  if (!(c.timeout_s > 0 && c.timeout_s <= 30 * 86400.0)) fail(source, "timeout", "must be between 0 (excluded) and 2592000 seconds");
  auto range = [&](const char* key, std::int64_t v, std::int64_t min, std::int64_t max) {
    if (v < min || v > max)
      fail(source, key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " + std::to_string(v));
  };
  range("heartbeat_ms", c.heartbeat_ms, 10, 60000);
  range("liveness", c.liveness, 2, 100);
  range("reconnect_ms", c.reconnect_ms, 1, 60000);
  range("reconnect_max_ms", c.reconnect_max_ms, c.reconnect_ms, 600000);
  check_log_level(source, "log_level", c.log_level);
  check_z85_key(source, "security.broker_public_key", c.security.server_public_key);
  if (!c.security.server_public_key.empty() && !c.security.server_public_key_file.empty())
    fail(source, "security.broker_public_key_file", "give the broker's key once: broker_public_key or broker_public_key_file");
  if (c.security.curve() && c.security.secret_key_file.empty())
    fail(source, "security.secret_key_file", "is required when the broker's public key is given (CURVE)");
  if (!c.security.curve() && !c.security.secret_key_file.empty())
    fail(source, "security.broker_public_key", "is required when secret_key_file is given (CURVE)");
  for (const auto& [name, objective] : c.objectives) check_objective(source, name, objective);
}

}  // namespace

std::variant<WorkerConfig, ConfigError> parse_worker_config(const std::string& text, const std::string& source) {
  return parse_with<WorkerConfig>(text, source, [&](const toml::table& root) {
    WorkerConfig c;
    TableReader r(root, source, "");
    r.allow_only({"broker", "name", "gpu", "gpus", "per_gpu", "gpu_memory_growth_mib", "timeout", "heartbeat_ms", "liveness",
                  "reconnect_ms", "reconnect_max_ms", "log_level", "security", "objectives"});
    if (auto v = r.string("broker")) c.broker = *v;
    if (auto v = r.string("name")) c.name = *v;
    if (auto v = r.integer("gpu", -1, 1023)) c.gpu = static_cast<int>(*v);
    if (auto v = r.string("gpus")) c.gpus = *v;
    if (auto v = r.integer("per_gpu", 1, 64)) c.per_gpu = static_cast<int>(*v);
    if (auto v = r.integer("gpu_memory_growth_mib", 0, std::int64_t{1} << 30)) c.gpu_memory_growth_mib = *v;
    if (auto v = r.number("timeout", 1e-3, 30 * 86400.0)) c.timeout_s = *v;
    if (auto v = r.integer("heartbeat_ms", 10, 60000)) c.heartbeat_ms = static_cast<int>(*v);
    if (auto v = r.integer("liveness", 2, 100)) c.liveness = static_cast<int>(*v);
    if (auto v = r.integer("reconnect_ms", 1, 60000)) c.reconnect_ms = static_cast<int>(*v);
    if (auto v = r.integer("reconnect_max_ms", 1, 600000)) c.reconnect_max_ms = static_cast<int>(*v);
    if (auto v = r.string("log_level")) c.log_level = *v;
    if (const toml::table* security = r.table("security")) {
      TableReader s(*security, source, "security.");
      s.allow_only({"broker_public_key", "broker_public_key_file", "secret_key_file"});
      if (auto v = s.string("broker_public_key")) c.security.server_public_key = *v;
      if (auto v = s.string("broker_public_key_file")) c.security.server_public_key_file = *v;
      if (auto v = s.string("secret_key_file")) c.security.secret_key_file = *v;
    }
    if (const toml::table* objectives = r.table("objectives")) {
      for (const auto& [key, node] : *objectives) {
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
    check(c, source);
    return c;
  });
}

std::variant<WorkerConfig, ConfigError> load_worker_config(const std::string& path) {
  return load_with<WorkerConfig>(path, parse_worker_config);
}

std::optional<ConfigError> validate_worker_config(const WorkerConfig& config, const std::string& source) {
  return validate_with(config, source, check);
}

std::optional<ConfigError> add_objective_option(WorkerConfig& config, const std::string& text) {
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
  return std::nullopt;
}

}  // namespace quante
