#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <stdexcept>

namespace quante::test {

namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::optional<HttpReply> http_raw(std::uint16_t port, const std::string& raw, std::chrono::milliseconds timeout,
                                  const std::string& host) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left_ms = [&] {
    return static_cast<int>(std::max<long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count()));
  };
  Fd s{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return std::nullopt;
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return std::nullopt;
  std::size_t sent = 0;
  while (sent < raw.size()) {
    pollfd p{s.fd, POLLOUT, 0};
    if (::poll(&p, 1, left_ms()) <= 0) return std::nullopt;
    const ssize_t n = ::send(s.fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n < 0) break;  // the server may answer and close before reading it all (431)
    sent += static_cast<std::size_t>(n);
  }
  std::string in;
  for (;;) {
    pollfd p{s.fd, POLLIN, 0};
    if (::poll(&p, 1, left_ms()) <= 0) return std::nullopt;
    char buffer[8192];
    const ssize_t n = ::recv(s.fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == ECONNRESET && !in.empty()) break;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    in.append(buffer, static_cast<std::size_t>(n));
  }
  const auto end = in.find("\r\n\r\n");
  if (in.compare(0, 5, "HTTP/") != 0 || end == std::string::npos || in.size() < 12) return std::nullopt;
  HttpReply reply;
  reply.status = std::stoi(in.substr(9, 3));
  reply.headers = in.substr(0, end);
  reply.body = in.substr(end + 4);
  return reply;
}

std::optional<HttpReply> http_get(std::uint16_t port, const std::string& target, std::chrono::milliseconds timeout) {
  return http_raw(port, "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", timeout);
}

std::string url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::uint16_t free_tcp_port() {
  Fd s{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s.fd < 0 || ::bind(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("free_tcp_port: cannot bind");
  socklen_t length = sizeof addr;
  ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&addr), &length);
  return ntohs(addr.sin_port);
}

}  // namespace quante::test
