// The broker's /metrics endpoint: an http::Server whose one route renders the last snapshot the
// broker loop published. The loop calls publish() on its heartbeat tick (a copy under a mutex,
// no formatting); the server thread copies the snapshot under the same mutex and renders it, so
// a scrape never touches BrokerState and never waits on the loop. A scrape shows the farm as it
// was at most one heartbeat ago.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "broker_metrics.hpp"
#include "http_server.hpp"

namespace quante::broker {

class MetricsEndpoint {
 public:
  // Binds ADDR:PORT (port 0: any free port). Throws std::invalid_argument for a bad or
  // non-loopback address without allow_remote, std::system_error when the bind fails.
  MetricsEndpoint(const std::string& address, bool allow_remote);
  void publish(const BrokerMetrics& snapshot);
  std::string address() const { return server_.address(); }

 private:
  mutable std::mutex mutex_;
  BrokerMetrics snapshot_;
  http::Server server_;  // last: stopped (joined) before the snapshot it reads is destroyed
};

}  // namespace quante::broker
