#include "tuner_config.hpp"

#include "listen_address.hpp"

namespace quante {

using namespace config_detail;

namespace {

void check(const TunerConfig& c, const std::string& source) {
  check_endpoint(source, "broker", c.broker);
  if (c.heartbeat_ms < 10 || c.heartbeat_ms > 60000) fail(source, "heartbeat_ms", "must be between 10 and 60000");
  if (c.liveness < 2 || c.liveness > 100) fail(source, "liveness", "must be between 2 and 100");
  if (c.progress != "auto" && c.progress != "live" && c.progress != "lines")
    fail(source, "progress", "must be auto, live or lines, not '" + c.progress + "'");
  check_log_level(source, "log_level", c.log_level);
  if (!c.metrics.empty())
    if (auto refusal = http::check_listen_address(c.metrics, c.metrics_allow_remote, "--metrics-allow-remote (metrics_allow_remote = true)");
        !refusal.empty())
      fail(source, "metrics", refusal);
  check_z85_key(source, "security.broker_public_key", c.security.server_public_key);
  if (!c.security.server_public_key.empty() && !c.security.server_public_key_file.empty())
    fail(source, "security.broker_public_key_file", "give the broker's key once: broker_public_key or broker_public_key_file");
  if (c.security.curve() && c.security.secret_key_file.empty())
    fail(source, "security.secret_key_file", "is required when the broker's public key is given (CURVE)");
  if (!c.security.curve() && !c.security.secret_key_file.empty())
    fail(source, "security.broker_public_key", "is required when secret_key_file is given (CURVE)");
}

}  // namespace

std::variant<TunerConfig, ConfigError> parse_tuner_config(const std::string& text, const std::string& source) {
  return parse_with<TunerConfig>(text, source, [&](const toml::table& root) {
    TunerConfig c;
    TableReader r(root, source, "");
    r.allow_only({"broker", "heartbeat_ms", "liveness", "progress", "log_level", "metrics", "metrics_allow_remote", "security"});
    if (auto v = r.string("broker")) c.broker = *v;
    if (auto v = r.integer("heartbeat_ms", 10, 60000)) c.heartbeat_ms = static_cast<int>(*v);
    if (auto v = r.integer("liveness", 2, 100)) c.liveness = static_cast<int>(*v);
    if (auto v = r.string("progress")) c.progress = *v;
    if (auto v = r.string("log_level")) c.log_level = *v;
    if (auto v = r.string("metrics")) c.metrics = *v;
    if (auto v = r.boolean("metrics_allow_remote")) c.metrics_allow_remote = *v;
    if (const toml::table* security = r.table("security")) {
      TableReader s(*security, source, "security.");
      s.allow_only({"broker_public_key", "broker_public_key_file", "secret_key_file"});
      if (auto v = s.string("broker_public_key")) c.security.server_public_key = *v;
      if (auto v = s.string("broker_public_key_file")) c.security.server_public_key_file = *v;
      if (auto v = s.string("secret_key_file")) c.security.secret_key_file = *v;
    }
    check(c, source);
    return c;
  });
}

std::variant<TunerConfig, ConfigError> load_tuner_config(const std::string& path) {
  return load_with<TunerConfig>(path, parse_tuner_config);
}

std::optional<ConfigError> validate_tuner_config(const TunerConfig& config, const std::string& source) {
  return validate_with(config, source, check);
}

}  // namespace quante
