#include "metrics_endpoint.hpp"

#include "metrics_server.hpp"
#include "prometheus_text.hpp"

namespace quante::broker {

MetricsEndpoint::MetricsEndpoint(const std::string& address, bool allow_remote)
    : server_(http::metrics_server_options(address, allow_remote)) {
  server_.route("/metrics", [this](const http::Request&) {
    BrokerMetrics copy;
    {
      std::lock_guard lock(mutex_);
      copy = snapshot_;
    }
    return http::Response{200, http::kPrometheusContentType, render_metrics(copy)};
  });
  server_.route("/", [](const http::Request&) {
    return http::Response{200, "text/plain; charset=utf-8", "quante-broker: metrics at /metrics\n"};
  });
  server_.start();
}

void MetricsEndpoint::publish(const BrokerMetrics& snapshot) {
  std::lock_guard lock(mutex_);
  snapshot_ = snapshot;
}

}  // namespace quante::broker
