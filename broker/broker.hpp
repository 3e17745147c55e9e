// The broker process: a ROUTER for tuners (frontend) and a ROUTER for workers (backend) around
// BrokerState. It decodes every message (a bad one is logged, rate-limited, and dropped), feeds
// the state machine, and sends what it answers without ever blocking.
#pragma once

#include <memory>
#include <string>

#include <zmq.hpp>

#include "broker_config.hpp"
#include "metrics_endpoint.hpp"
#include "broker_state.hpp"
#include "stop_signal.hpp"

namespace quante::broker {

class Broker {
 public:
  explicit Broker(BrokerConfig settings);
  // Serves until `stop` fires.
  void run(const StopSignal& stop);

  std::string frontend_endpoint() const;
  std::string backend_endpoint() const;
  BrokerStats stats() const { return state_.stats(); }
  // ADDR:PORT of the /metrics endpoint (the port actually bound); empty without one.
  std::string metrics_address() const { return metrics_ ? metrics_->address() : std::string(); }

 private:
  void receive(zmq::socket_t& socket, protocol::Link link);
  void flush();
  // With CURVE: the message's ZAP user id has the socket's role and matches what this identity
  // and worker name were bound to. Logs and returns false otherwise.
  bool admitted(protocol::Link link, const std::string& identity, zmq::message_t& first_frame,
                const protocol::Message& message, std::chrono::steady_clock::time_point now);

  BrokerConfig settings_;
  zmq::context_t context_;
  ServerSecurityContext security_;
  zmq::socket_t frontend_;
  zmq::socket_t backend_;
  BrokerState state_;
  std::vector<Outgoing> outgoing_;
  std::vector<Outgoing> sending_;  // what flush() is sending now
  PeerBindings bindings_;
  std::size_t peak_state_size_ = 0;   // workers + jobs at their most since the heap was last trimmed
  // Prometheus: what the state machine does not see, and the endpoint the loop publishes to.
  void publish_metrics();
  std::uint64_t malformed_ = 0;
  std::uint64_t unauthenticated_ = 0;
  double start_time_seconds_ = 0;
  std::unique_ptr<MetricsEndpoint> metrics_;
};

}  // namespace quante::broker
