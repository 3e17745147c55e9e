#include "metrics_server.hpp"

namespace quante::http {

ServerOptions metrics_server_options(const std::string& address, bool allow_remote) {
  ServerOptions options;
  options.address = address;
  options.allow_remote = allow_remote;
  options.allow_option = "--metrics-allow-remote";
  options.name = "metrics";
  return options;
}

}  // namespace quante::http
