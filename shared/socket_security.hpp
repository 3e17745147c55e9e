// Transport security of the farm's sockets. Plaintext unless CURVE keys are configured: the
// broker is a CURVE server whose ZAP handler admits only allow-listed public keys, the frontend
// for tuners and the backend for workers (the role comes from the allow-list, never from a
// message); workers and tuners are CURVE clients that know the broker's public key.
#pragma once

#include <memory>
#include <string>

#include <zmq.hpp>

namespace quante {

struct ServerSecurity {
  std::string secret_key_file;      // the broker's key pair; empty: plaintext
  std::string tuner_keys_file;      // allow-list of tuner public keys, one Z85 key a line
  std::string worker_keys_file;     // allow-list of worker public keys
  bool allow_plaintext_remote = false;  // plaintext on a non-loopback endpoint, said in so many words
};

struct ClientSecurity {
  std::string server_public_key;    // Z85; empty: plaintext
  std::string secret_key_file;      // this peer's key pair
};

enum class PeerRole { Tuner, Worker };

// Owns what a secured server needs for as long as its sockets live (the ZAP handler).
class ServerSecurityContext {
 public:
  ServerSecurityContext(zmq::context_t& context, ServerSecurity settings);
  ~ServerSecurityContext();
  // Sets up `socket` (before bind) to serve peers of `role` at `endpoint`. Throws
  // std::runtime_error when the settings are unsafe or broken (for example plaintext on a
  // public endpoint, or a secret key file readable by others).
  void apply(zmq::socket_t& socket, PeerRole role, const std::string& endpoint);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sets up a DEALER (before connect). Throws std::runtime_error for broken settings.
void apply_client_security(zmq::socket_t& socket, const ClientSecurity& settings);

}  // namespace quante
