#include "broker_config.hpp"

#include "listen_address.hpp"

namespace quante {

using namespace config_detail;

namespace {

constexpr std::int64_t kMaxJobsLimit = 10'000'000;

void check(const BrokerConfig& c, const std::string& source) {
  check_endpoint(source, "frontend", c.frontend);
  check_endpoint(source, "backend", c.backend);
  if (c.frontend == c.backend) fail(source, "backend", "must differ from frontend");
  auto range = [&](const char* key, std::int64_t v, std::int64_t min, std::int64_t max) {
    if (v < min || v > max)
      fail(source, key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " + std::to_string(v));
  };
  range("heartbeat_ms", c.heartbeat_ms, 10, 60000);
  range("liveness", c.liveness, 2, 100);
  range("max_attempts", c.max_attempts, 1, 100);
  range("result_resend_ms", c.result_resend_ms, 10, 600000);
  range("orphan_timeout_s", c.orphan_timeout_s, 1, 30 * 86400);
  range("max_jobs", c.max_jobs, 1, kMaxJobsLimit);
  range("max_jobs_per_tuner", c.max_jobs_per_tuner, 1, kMaxJobsLimit);
  range("max_workers", c.max_workers, 1, 100000);
  range("max_result_resends", c.max_result_resends, 0, 1000);
  range("send_high_water_mark", c.send_high_water_mark, 1, 1000000);
  check_log_level(source, "log_level", c.log_level);
  if (!c.metrics.empty())
    if (auto refusal = http::check_listen_address(c.metrics, c.metrics_allow_remote, "--metrics-allow-remote (metrics_allow_remote = true)");
        !refusal.empty())
      fail(source, "metrics", refusal);
  const auto& s = c.security;
  if (s.secret_key_file.empty() && (!s.tuner_keys_file.empty() || !s.worker_keys_file.empty()))
    fail(source, "security.secret_key_file", "is required when allow-lists are given");
  if (!s.secret_key_file.empty() && s.tuner_keys_file.empty())
    fail(source, "security.tuner_keys_file", "is required with CURVE (secret_key_file is set)");
  if (!s.secret_key_file.empty() && s.worker_keys_file.empty())
    fail(source, "security.worker_keys_file", "is required with CURVE (secret_key_file is set)");
}

}  // namespace

std::variant<BrokerConfig, ConfigError> parse_broker_config(const std::string& text, const std::string& source) {
  return parse_with<BrokerConfig>(text, source, [&](const toml::table& root) {
    BrokerConfig c;
    TableReader r(root, source, "");
    r.allow_only({"frontend", "backend", "heartbeat_ms", "liveness", "max_attempts", "result_resend_ms",
                  "orphan_timeout_s", "max_jobs", "max_jobs_per_tuner", "max_workers", "max_result_resends",
                  "send_high_water_mark", "log_level", "metrics", "metrics_allow_remote", "security"});
    if (auto v = r.string("frontend")) c.frontend = *v;
    if (auto v = r.string("backend")) c.backend = *v;
    if (auto v = r.integer("heartbeat_ms", 10, 60000)) c.heartbeat_ms = static_cast<int>(*v);
    if (auto v = r.integer("liveness", 2, 100)) c.liveness = static_cast<int>(*v);
    if (auto v = r.integer("max_attempts", 1, 100)) c.max_attempts = static_cast<int>(*v);
    if (auto v = r.integer("result_resend_ms", 10, 600000)) c.result_resend_ms = static_cast<int>(*v);
    if (auto v = r.integer("orphan_timeout_s", 1, 30 * 86400)) c.orphan_timeout_s = static_cast<int>(*v);
    if (auto v = r.integer("max_jobs", 1, kMaxJobsLimit)) c.max_jobs = *v;
    if (auto v = r.integer("max_jobs_per_tuner", 1, kMaxJobsLimit)) c.max_jobs_per_tuner = *v;
    if (auto v = r.integer("max_workers", 1, 100000)) c.max_workers = *v;
    if (auto v = r.integer("max_result_resends", 0, 1000)) c.max_result_resends = static_cast<int>(*v);
    if (auto v = r.integer("send_high_water_mark", 1, 1000000)) c.send_high_water_mark = static_cast<int>(*v);
    if (auto v = r.string("log_level")) c.log_level = *v;
    if (auto v = r.string("metrics")) c.metrics = *v;
    if (auto v = r.boolean("metrics_allow_remote")) c.metrics_allow_remote = *v;
    if (const toml::table* security = r.table("security")) {
      TableReader s(*security, source, "security.");
      s.allow_only({"secret_key_file", "tuner_keys_file", "worker_keys_file", "allow_plaintext_remote"});
      if (auto v = s.string("secret_key_file")) c.security.secret_key_file = *v;
      if (auto v = s.string("tuner_keys_file")) c.security.tuner_keys_file = *v;
      if (auto v = s.string("worker_keys_file")) c.security.worker_keys_file = *v;
      if (auto v = s.boolean("allow_plaintext_remote")) c.security.allow_plaintext_remote = *v;
    }
    check(c, source);
    return c;
  });
}

std::variant<BrokerConfig, ConfigError> load_broker_config(const std::string& path) {
  return load_with<BrokerConfig>(path, parse_broker_config);
}

std::optional<ConfigError> validate_broker_config(const BrokerConfig& config, const std::string& source) {
  return validate_with(config, source, check);
}

}  // namespace quante
