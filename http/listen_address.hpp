// ADDR:PORT as an operator writes it for an HTTP endpoint ("127.0.0.1:9464", "[::1]:9464",
// "localhost:0", "0.0.0.0:9464"), parsed into a numeric socket address. Only numeric addresses
// and "localhost" are accepted: a host name that resolves differently tomorrow has no place in
// a bind. Loopback is 127.0.0.0/8 and ::1; anything else serves other hosts, which a caller
// must allow in so many words (as the broker's --allow-plaintext-remote does for ZeroMQ).
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include <netinet/in.h>
#include <sys/socket.h>

namespace quante::http {

struct ListenAddress {
  std::string host;            // as written, without brackets ("localhost" becomes "127.0.0.1")
  std::uint16_t port = 0;      // 0: the system picks one
  bool loopback = false;
  sockaddr_storage storage{};  // ready for bind()
  socklen_t length = 0;
};

// The address, or a message saying what is wrong with `text`.
std::variant<ListenAddress, std::string> parse_listen_address(const std::string& text);

// The parse error, or the refusal of a non-loopback address without `allow_remote`; empty when
// `text` may be bound. The message names the option an operator would change.
std::string check_listen_address(const std::string& text, bool allow_remote, const std::string& allow_option);

}  // namespace quante::http
