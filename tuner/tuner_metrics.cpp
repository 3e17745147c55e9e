#include "tuner_metrics.hpp"

#include <limits>

#include <fmt/format.h>

#include "metrics_server.hpp"

namespace quante::tuner {

std::string render_tuner_metrics(const TunerMetrics& m) {
  PrometheusText w("quante_tuner_");
  w.family("info", "gauge", "The running study and its objective.");
  w.sample("info", fmt::format("study=\"{}\",objective=\"{}\"", escape_label(m.study), escape_label(m.objective)),
           std::uint64_t{1});
  w.one("start_time_seconds", "gauge", "Unix time the run started.", m.start_time_seconds);
  w.one("budget", "gauge", "Evaluations the study may run.", static_cast<std::uint64_t>(m.budget));
  w.one("evaluations_done", "gauge", "Evaluations recorded in the history (ok, failed and stopped), resumed ones included.",
        static_cast<std::uint64_t>(m.recorded));
  w.one("evaluations_failed", "gauge", "Recorded evaluations that failed.", static_cast<std::uint64_t>(m.failed));
  w.one("evaluations_running", "gauge", "Evaluations submitted whose result is not recorded yet.",
        static_cast<std::uint64_t>(m.running));
  w.one("workers", "gauge", "Workers connected to the broker, as its last heartbeat said.",
        static_cast<std::uint64_t>(m.workers));
  w.one("best_loss", "gauge", "Lowest loss recorded so far (NaN before the first).",
        m.best_loss ? *m.best_loss : std::numeric_limits<double>::quiet_NaN());
  w.histogram("proposal_seconds", "Wall time of a proposal: model fit and batch selection.", m.proposal_seconds);
  return w.take();
}

TunerMetricsEndpoint::TunerMetricsEndpoint(const std::string& address, bool allow_remote)
    : server_(http::metrics_server_options(address, allow_remote)) {
  server_.route("/metrics", [this](const http::Request&) {
    std::lock_guard lock(mutex_);
    return http::Response{200, http::kPrometheusContentType, text_};
  });
  server_.start();
}

void TunerMetricsEndpoint::publish(std::string text) {
  std::lock_guard lock(mutex_);
  text_ = std::move(text);
}

}  // namespace quante::tuner
