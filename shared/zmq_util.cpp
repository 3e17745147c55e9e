#include "zmq_util.hpp"

#include <cerrno>

#include "protocol.hpp"

namespace quante {

std::optional<std::vector<zmq::message_t>> try_recv(zmq::socket_t& socket) {
  std::vector<zmq::message_t> frames;
  frames.reserve(4);  // identity, signature, command, body
  zmq::message_t frame;
  if (!socket.recv(frame, zmq::recv_flags::dontwait)) return std::nullopt;
  bool more = frame.more();
  frames.push_back(std::move(frame));
  while (more) {
    zmq::message_t next;
    (void)socket.recv(next, zmq::recv_flags::none);  // the rest of a multipart message is already here
    more = next.more();
    frames.push_back(std::move(next));
  }
  return frames;
}

bool try_send(zmq::socket_t& socket, std::vector<zmq::message_t>& frames) {
  try {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto flags = zmq::send_flags::dontwait | (i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      if (!socket.send(frames[i], flags)) return false;
    }
    return true;
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH || e.num() == EAGAIN) return false;
    throw;
  }
}

int poll_items(zmq::pollitem_t* items, std::size_t count, std::chrono::milliseconds timeout) {
  try {
    return zmq::poll(items, count, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) throw;
    for (std::size_t i = 0; i < count; ++i) items[i].revents = 0;
    return 0;
  }
}

std::unique_ptr<zmq::socket_t> make_dealer(zmq::context_t& context, const ClientSecurity& security,
                                           const std::string& endpoint) {
  auto socket = std::make_unique<zmq::socket_t>(context, zmq::socket_type::dealer);
  socket->set(zmq::sockopt::linger, 0);
  socket->set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(protocol::kMaxMessageBytes + 4096));
  apply_client_security(*socket, security);
  socket->connect(endpoint);
  return socket;
}

std::string last_endpoint(const zmq::socket_t& socket) { return socket.get(zmq::sockopt::last_endpoint); }

}  // namespace quante
