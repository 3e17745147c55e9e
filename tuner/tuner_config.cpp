// The tuner's configuration table: one row per key of tuner.toml and option of `quante-tuner run`.
#include "tuner_config.hpp"

#include "client_security_keys.hpp"
#include "config_table.hpp"
#include "listen_address.hpp"

namespace quante {

using namespace config_detail;

namespace {

void check_progress(const std::string& source, const std::string& key, const std::string& progress) {
  if (progress != "auto" && progress != "live" && progress != "lines")
    fail(source, key, "must be auto, live or lines, not '" + progress + "'");
}

void check_across(const TunerConfig& c, const std::string& source) {
  if (!c.metrics.empty())
    if (auto refusal = http::check_listen_address(c.metrics, c.metrics_allow_remote, "--metrics-allow-remote (metrics_allow_remote = true)");
        !refusal.empty())
      fail(source, "metrics", refusal);
  check_client_security(c.security, source);
}

Table<TunerConfig> make_table() {
  using C = TunerConfig;
  Table<C> t;
  t.text("broker", &C::broker, "the broker's tuner endpoint", check_endpoint)
      .integer("heartbeat_ms", &C::heartbeat, {10, 60000}, "heartbeat interval in milliseconds")
      .integer("liveness", &C::liveness, {2, 100}, "missed broker heartbeats before reconnecting")
      .text("progress", &C::progress, "live (status line), lines (one per result) or auto", check_progress)
      .text("log_level", &C::log_level, "trace, debug, info, warn, error, critical, off (default: SPDLOG_LEVEL or info)",
            check_log_level)
      .text("metrics", &C::metrics,
            "serve the study's progress as Prometheus metrics at http://ADDR:PORT/metrics (port 0: any free port)")
      .flag("metrics_allow_remote", &C::metrics_allow_remote, "allow --metrics on an address that is not loopback");
  client_security_keys(t, "this tuner's").cross_check(check_across);
  return t;
}

}  // namespace

const Table<TunerConfig>& tuner_config_table() {
  static const Table<TunerConfig> table = make_table();
  return table;
}

Expected<TunerConfig> parse_tuner_config(const std::string& text, const std::string& source) {
  return tuner_config_table().parse(text, source);
}

Expected<TunerConfig> load_tuner_config(const std::string& path) {
  return tuner_config_table().load(path);
}

Expected<void> validate_tuner_config(const TunerConfig& config, const std::string& source) {
  return tuner_config_table().validate(config, source);
}

}  // namespace quante
