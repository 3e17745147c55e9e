// A raw DEALER for integration tests that plays a misbehaving tuner or worker: it sends any
// frames or any encoded message, and reads what the broker answers.
#pragma once

#include <algorithm>
#include <chrono>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "protocol.hpp"

namespace quante::test {

using Frames = std::vector<std::string>;

// A DEALER that says whatever it is told to.
class Rogue {
 public:
  Rogue(zmq::context_t& context, const std::string& endpoint, const std::string& identity = "")
      : socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    if (!identity.empty()) socket_.set(zmq::sockopt::routing_id, identity);
    socket_.connect(endpoint);
  }
  void send(const Frames& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i)
      socket_.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  void send(protocol::Link link, const protocol::Message& message) {
    auto frames = protocol::encode(link, message);
    zmq::send_multipart(socket_, frames);
  }
  // The next message that is not a heartbeat, decoded, within `timeout` (0: only what is
  // already there).
  std::optional<protocol::Message> receive(protocol::Link link, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::max(std::chrono::milliseconds(0), std::min(left, std::chrono::milliseconds(50))));
      if (item.revents & ZMQ_POLLIN) {
        std::vector<zmq::message_t> frames;
        (void)zmq::recv_multipart(socket_, std::back_inserter(frames));
        auto decoded = protocol::decode(link, frames);
        if (decoded && !std::holds_alternative<protocol::Heartbeat>(*decoded)) return *decoded;
        continue;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    }
  }
  zmq::socket_t& socket() { return socket_; }

 private:
  zmq::socket_t socket_;
};

}  // namespace quante::test
