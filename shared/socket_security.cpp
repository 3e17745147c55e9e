#include "socket_security.hpp"

#include <stdexcept>

namespace quante {

// Plaintext only until CURVE lands (issue: running it for real).
struct ServerSecurityContext::Impl {
  ServerSecurity settings;
};

ServerSecurityContext::ServerSecurityContext(zmq::context_t&, ServerSecurity settings)
    : impl_(std::make_unique<Impl>(Impl{std::move(settings)})) {}
ServerSecurityContext::~ServerSecurityContext() = default;

void ServerSecurityContext::apply(zmq::socket_t&, PeerRole, const std::string&) {
  if (!impl_->settings.secret_key_file.empty()) throw std::runtime_error("CURVE is not built yet");
}

void apply_client_security(zmq::socket_t&, const ClientSecurity& settings) {
  if (!settings.server_public_key.empty()) throw std::runtime_error("CURVE is not built yet");
}

}  // namespace quante
