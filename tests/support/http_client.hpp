// A minimal HTTP/1.0 client for tests: one request on a fresh loopback connection, the answer
// read until the server closes it, all within a deadline. HTTP/1.0 so that servers (Prometheus's
// Go server among them) answer without chunked encoding and close the connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace quante::test {

struct HttpReply {
  int status = 0;
  std::string headers;  // the status line and headers, as received
  std::string body;
};

// Sends `raw` as it is (for malformed and oversized requests); nullopt when the connection
// fails, times out, or closes before a status line.
std::optional<HttpReply> http_raw(std::uint16_t port, const std::string& raw,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                  const std::string& host = "127.0.0.1");
std::optional<HttpReply> http_get(std::uint16_t port, const std::string& target,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
// Percent-encodes a query parameter value.
std::string url_encode(const std::string& text);
// A TCP port on 127.0.0.1 that was free a moment ago (for programs that cannot report the
// port they bound, such as Prometheus).
std::uint16_t free_tcp_port();

}  // namespace quante::test
