// The broker's configuration table: one row per key of broker.toml and option of quante-broker.
#include "broker_config.hpp"

#include "config_table.hpp"
#include "listen_address.hpp"

namespace quante {

using namespace config_detail;

namespace {

constexpr double kMaxJobsLimit = 10'000'000;

void check_across(const BrokerConfig& c, const std::string& source) {
  if (c.frontend == c.backend) fail(source, "backend", "must differ from frontend");
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

Table<BrokerConfig> make_table() {
  using C = BrokerConfig;
  Table<C> t;
  t.text("frontend", &C::frontend, "endpoint tuners connect to", check_endpoint)
      .text("backend", &C::backend, "endpoint workers connect to", check_endpoint)
      .integer("heartbeat_ms", &C::heartbeat, {10, 60000}, "heartbeat interval in milliseconds")
      .integer("liveness", &C::liveness, {2, 100}, "missed heartbeats before a worker is lost")
      .integer("max_attempts", &C::max_attempts, {1, 100}, "workers a job may lose before it fails")
      .integer("result_resend_ms", &C::result_resend, {10, 600000}, "re-send an unacknowledged result after this")
      .integer("orphan_timeout_s", &C::orphan_timeout, {1, 30 * 86400}, "forget the jobs of a tuner silent this long")
      .integer("max_jobs", &C::max_jobs, {1, kMaxJobsLimit}, "jobs held at once (queued, running, unacknowledged)")
      .integer("max_jobs_per_tuner", &C::max_jobs_per_tuner, {1, kMaxJobsLimit}, "of which one tuner may hold at most")
      .integer("max_workers", &C::max_workers, {1, 100000}, "workers registered at once; more are refused")
      .integer("max_result_resends", &C::max_result_resends, {0, 1000},
               "re-sends of an unacknowledged result; then it is only held")
      .integer("send_high_water_mark", &C::send_high_water_mark, {1, 1000000}, "messages queued per peer")
      .text("log_level", &C::log_level, "trace, debug, info, warn, error (default: SPDLOG_LEVEL or info)", check_log_level)
      .text("metrics", &C::metrics,
            "serve Prometheus metrics at http://ADDR:PORT/metrics (e.g. 127.0.0.1:9464; port 0: any free port)")
      .flag("metrics_allow_remote", &C::metrics_allow_remote,
            "allow --metrics on an address that is not loopback (anyone who reaches it can read the farm's counters)")
      .text("security.secret_key_file", [](C& c) -> auto& { return c.security.secret_key_file; },
            "the broker's CURVE secret key (quante-keygen); none: plaintext")
      .text("security.tuner_keys_file", [](C& c) -> auto& { return c.security.tuner_keys_file; },
            "allow-list of tuner public keys")
      .text("security.worker_keys_file", [](C& c) -> auto& { return c.security.worker_keys_file; },
            "allow-list of worker public keys")
      .flag("security.allow_plaintext_remote", [](C& c) -> auto& { return c.security.allow_plaintext_remote; },
            "allow plaintext on endpoints that are not loopback or ipc")
      .cross_check(check_across);
  return t;
}

}  // namespace

const Table<BrokerConfig>& broker_config_table() {
  static const Table<BrokerConfig> table = make_table();
  return table;
}

Expected<BrokerConfig> parse_broker_config(const std::string& text, const std::string& source) {
  return broker_config_table().parse(text, source);
}

Expected<BrokerConfig> load_broker_config(const std::string& path) {
  return broker_config_table().load(path);
}

Expected<void> validate_broker_config(const BrokerConfig& config, const std::string& source) {
  return broker_config_table().validate(config, source);
}

}  // namespace quante
