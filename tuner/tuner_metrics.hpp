// `quante-tuner run --metrics ADDR:PORT`: the study's progress as Prometheus metrics (names
// prefixed quante_tuner_, docs/metrics.md). The tuner's loop renders the text itself (a dozen
// lines plus a histogram, at most once a heartbeat and once a proposal) and publishes it under a
// mutex; the HTTP thread only copies that string, so it never reads TunerState.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http_server.hpp"
#include "prometheus_text.hpp"

namespace quante::tuner {

struct TunerMetrics {
  std::string study;
  std::string objective;
  int budget = 0;
  int recorded = 0;   // evaluations in the history: ok, failed and stopped
  int failed = 0;
  int running = 0;    // submitted, result not yet recorded
  int workers = 0;    // as the broker's last heartbeat said
  std::optional<double> best_loss;
  double start_time_seconds = 0;
  // Wall time of each proposal (model fit and batch selection), seconds.
  Histogram proposal_seconds{{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}};
};

std::string render_tuner_metrics(const TunerMetrics& metrics);

class TunerMetricsEndpoint {
 public:
  // Throws std::invalid_argument for a bad or refused address, std::system_error when binding fails.
  TunerMetricsEndpoint(const std::string& address, bool allow_remote);
  void publish(std::string text);
  std::string address() const { return server_.address(); }

 private:
  std::mutex mutex_;
  std::string text_;
  http::Server server_;  // last: stopped before what its handler reads is destroyed
};

}  // namespace quante::tuner
