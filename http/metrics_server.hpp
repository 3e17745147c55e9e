// The HTTP side of a Prometheus exporter (the broker's and the tuner's /metrics): the content type
// of the text format 0.0.4 and the server options for an address, a non-loopback one only with
// --metrics-allow-remote (named in the refusal).
#pragma once

#include <string>

#include "http_server.hpp"

namespace quante::http {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";
ServerOptions metrics_server_options(const std::string& address, bool allow_remote);

}  // namespace quante::http
