#include "http_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <spdlog/spdlog.h>

namespace quante::http {

namespace {

using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

std::string serialise(const Response& r, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  if (r.status == 405) out += "Allow: GET, HEAD\r\n";
  out += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
  if (!head_only) out += r.body;
  return out;
}

Response plain(int status, const std::string& text) { return Response{status, "text/plain; charset=utf-8", text + "\n"}; }

}  // namespace

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

struct Server::Connection {
  int fd = -1;
  std::string in;
  std::string out;
  std::size_t sent = 0;
  bool answering = false;  // `out` holds the whole answer; reading is over
  SteadyClock::time_point deadline;
  ~Connection() {
    if (fd >= 0) ::close(fd);
  }
};

Server::Server(ServerOptions options) : options_(std::move(options)) {
  if (auto refusal = check_listen_address(options_.address, options_.allow_remote, options_.allow_option);
      !refusal.empty())
    throw std::invalid_argument(refusal);
  bound_ = std::get<ListenAddress>(parse_listen_address(options_.address));
  listen_fd_ = ::socket(bound_.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw_errno("socket");
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&bound_.storage), bound_.length) != 0) {
    const int e = errno;
    ::close(listen_fd_);
    throw std::system_error(e, std::generic_category(), "cannot bind " + options_.address);
  }
  if (::listen(listen_fd_, 64) != 0) {
    const int e = errno;
    ::close(listen_fd_);
    throw std::system_error(e, std::generic_category(), "cannot listen on " + options_.address);
  }
  sockaddr_storage actual{};
  socklen_t length = sizeof actual;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&actual), &length);
  port_ = ntohs(actual.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&actual)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&actual)->sin_port);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    const int e = errno;
    ::close(listen_fd_);
    throw std::system_error(e, std::generic_category(), "eventfd");
  }
}

Server::~Server() {
  stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::string Server::address() const {
  const bool v6 = bound_.storage.ss_family == AF_INET6;
  return (v6 ? "[" + bound_.host + "]" : bound_.host) + ":" + std::to_string(port_);
}

void Server::route(const std::string& path, Handler handler) {
  if (started_) throw std::logic_error("http::Server::route after start");
  routes_[path] = std::move(handler);
}

void Server::start() {
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] { serve(); });
}

void Server::stop() {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof one) < 0) spdlog::warn("{}: cannot wake the server thread", options_.name);
  thread_.join();
  ::close(listen_fd_);  // connections are refused from now on, not left in the backlog
  listen_fd_ = -1;
}

Response Server::answer(const std::string& head) const {
  // Request line: METHOD SP TARGET SP HTTP/1.x
  const auto line_end = head.find("\r\n");
  const std::string line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || line.compare(sp2 + 1, 7, "HTTP/1.") != 0 || line.size() != sp2 + 9)
    return plain(400, "bad request line");
  Request request;
  request.method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (target.empty() || target.front() != '/') return plain(400, "the target must be a path");
  if (const auto q = target.find('?'); q != std::string::npos) {
    request.query = target.substr(q + 1);
    target.resize(q);
  }
  request.path = std::move(target);
  const auto route = routes_.find(request.path);
  if (route == routes_.end()) return plain(404, "no such path: try one of the documented endpoints");
  if (request.method != "GET" && request.method != "HEAD") return plain(405, "only GET and HEAD are served");
  try {
    return route->second(request);
  } catch (const std::exception& e) {
    spdlog::error("{}: the handler of {} failed: {}", options_.name, request.path, e.what());
    return plain(500, "internal error");
  }
}

void Server::serve() {
  std::vector<std::unique_ptr<Connection>> connections;
  std::vector<pollfd> fds;
  spdlog::debug("{}: serving http://{}/", options_.name, address());
  for (;;) {
    // Fixed slots first: the wake fd, then the listening socket while there is room.
    fds.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    const bool accepting = connections.size() < options_.max_connections;
    fds.push_back({accepting ? listen_fd_ : -1, POLLIN, 0});
    auto now = SteadyClock::now();
    auto next = SteadyClock::time_point::max();
    for (const auto& c : connections) {
      fds.push_back({c->fd, static_cast<short>(c->answering ? POLLOUT : POLLIN), 0});
      next = std::min(next, c->deadline);
    }
    int timeout = -1;
    if (next != SteadyClock::time_point::max())
      timeout = static_cast<int>(std::max<std::int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1));
    if (::poll(fds.data(), fds.size(), timeout) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("{}: poll failed: {}", options_.name, std::strerror(errno));
      return;
    }
    if (fds[0].revents & POLLIN) break;  // stop()

    now = SteadyClock::now();
    std::vector<bool> done(connections.size(), false);
    for (std::size_t i = 0; i < connections.size(); ++i) {
      Connection& c = *connections[i];
      const short revents = fds[i + 2].revents;
      if (now >= c.deadline) {
        done[i] = true;  // too slow (or a trickle of bytes): dropped without an answer
        continue;
      }
      if (!c.answering && (revents & (POLLIN | POLLHUP | POLLERR))) {
        char buffer[4096];
        const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          done[i] = true;
          continue;
        }
        if (n > 0) c.in.append(buffer, static_cast<std::size_t>(n));
        const auto end = c.in.find("\r\n\r\n");
        if (end != std::string::npos && end + 4 <= options_.max_request_bytes) {
          const bool head_only = c.in.compare(0, 5, "HEAD ") == 0;
          c.out = serialise(answer(c.in.substr(0, end)), head_only);
          c.answering = true;
        } else if (c.in.size() > options_.max_request_bytes) {
          c.out = serialise(plain(431, "the request is larger than " + std::to_string(options_.max_request_bytes) +
                                           " bytes"),
                            false);
          c.answering = true;
        }
        if (c.answering) c.in = std::string();
      } else if (c.answering && (revents & (POLLOUT | POLLHUP | POLLERR))) {
        const ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
          done[i] = true;
          continue;
        }
        if (n > 0) c.sent += static_cast<std::size_t>(n);
        if (c.sent == c.out.size()) {
          ::shutdown(c.fd, SHUT_WR);
          done[i] = true;
        }
      }
    }
    for (std::size_t i = connections.size(); i-- > 0;)
      if (done[i]) connections.erase(connections.begin() + static_cast<std::ptrdiff_t>(i));

    if (accepting && (fds[1].revents & POLLIN)) {
      while (connections.size() < options_.max_connections) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;  // EAGAIN, or a connection that went away before we took it
        auto c = std::make_unique<Connection>();
        c->fd = fd;
        c->deadline = now + options_.request_timeout;
        connections.push_back(std::move(c));
      }
    }
  }
  spdlog::debug("{}: stopped", options_.name);
}

}  // namespace quante::http
