#include "metrics_endpoint.hpp"

namespace quante::broker {

namespace {

http::ServerOptions options_for(const std::string& address, bool allow_remote) {
  http::ServerOptions o;
  o.address = address;
  o.allow_remote = allow_remote;
  o.allow_option = "--metrics-allow-remote";
  o.name = "metrics";
  return o;
}

}  // namespace

MetricsEndpoint::MetricsEndpoint(const std::string& address, bool allow_remote)
    : server_(options_for(address, allow_remote)) {
  server_.route("/metrics", [this](const http::Request&) {
    BrokerMetrics copy;
    {
      std::lock_guard lock(mutex_);
      copy = snapshot_;
    }
    return http::Response{200, "text/plain; version=0.0.4; charset=utf-8", render_metrics(copy)};
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
