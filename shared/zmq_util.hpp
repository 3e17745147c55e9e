// Small helpers over cppzmq used by every process: socket set-up with the options
// RELIABILITY.md asks for, and a non-throwing multipart receive.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "socket_security.hpp"

namespace quante {

// recv_multipart without blocking; nullopt when nothing is waiting.
std::optional<std::vector<zmq::message_t>> try_recv(zmq::socket_t& socket);

// Sends all frames without blocking. False when the peer cannot take it now (EAGAIN) or is
// unknown to a ROUTER_MANDATORY socket (EHOSTUNREACH).
bool try_send(zmq::socket_t& socket, std::vector<zmq::message_t>& frames);

// zmq::poll that treats an interrupted wait (EINTR: a signal arrived, or the process was
// stopped and continued) as "nothing ready yet" instead of an error.
int poll_items(zmq::pollitem_t* items, std::size_t count, std::chrono::milliseconds timeout);

// A DEALER connected to the broker as every client (worker, tuner) needs it: linger 0, so that
// closing it to reconnect drops what was queued; the protocol's message size limit; CURVE when
// `security` configures keys. Throws zmq::error_t (or std::runtime_error for unusable keys).
std::unique_ptr<zmq::socket_t> make_dealer(zmq::context_t& context, const ClientSecurity& security,
                                           const std::string& endpoint);

// The endpoint actually bound (after binding "tcp://127.0.0.1:*", the port the OS chose).
std::string last_endpoint(const zmq::socket_t& socket);

}  // namespace quante
