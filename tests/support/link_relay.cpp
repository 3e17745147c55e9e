#include "link_relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace quante::test {

namespace {

void set_nonblocking(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
}

// Writes what it can of `buffer` to `fd` without blocking; false when the peer is gone.
bool flush(int fd, std::string& buffer) {
  while (!buffer.empty()) {
    const ssize_t n = ::send(fd, buffer.data(), buffer.size(), MSG_NOSIGNAL);
    if (n > 0) {
      buffer.erase(0, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }
  return true;
}

// Reads what is there into `buffer`; false on end of stream or error.
bool drain(int fd, std::string& buffer) {
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer.append(chunk, static_cast<std::size_t>(n));
      if (buffer.size() > (1u << 22)) return true;  // let the other side catch up first
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }
}

}  // namespace

LinkRelay::LinkRelay(std::string upstream) : upstream_(std::move(upstream)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener_ < 0) throw std::runtime_error("relay: socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 16) != 0)
    throw std::runtime_error(std::string("relay: cannot listen on loopback: ") + std::strerror(errno));
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  set_nonblocking(listener_, true);
  if (::pipe(wake_pipe_) != 0) throw std::runtime_error("relay: pipe() failed");
  set_nonblocking(wake_pipe_[0], true);
  thread_ = std::thread([this] { loop(); });
}

LinkRelay::~LinkRelay() {
  stopping_ = true;
  wake();
  thread_.join();
  for (auto& pair : pairs_) {
    ::close(pair.down);
    ::close(pair.up);
  }
  ::close(listener_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
}

std::string LinkRelay::endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

void LinkRelay::pause() {
  paused_ = true;
  wake();
}

void LinkRelay::resume() {
  paused_ = false;
  wake();
}

void LinkRelay::wake() const {
  const char byte = 1;
  [[maybe_unused]] auto ignored = ::write(wake_pipe_[1], &byte, 1);
}

int LinkRelay::connect_upstream() const {
  int fd = -1;
  if (upstream_.rfind("ipc://", 0) == 0) {
    const std::string path = upstream_.substr(6);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      fd = -1;
    }
  } else if (upstream_.rfind("tcp://", 0) == 0) {
    const std::string rest = upstream_.substr(6);
    const auto colon = rest.rfind(':');
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(rest.substr(colon + 1))));
    ::inet_pton(AF_INET, rest.substr(0, colon).c_str(), &address.sin_addr);
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  if (fd >= 0) set_nonblocking(fd, true);
  return fd;
}

void LinkRelay::accept_one() {
  const int down = ::accept(listener_, nullptr, nullptr);
  if (down < 0) return;
  const int up = connect_upstream();
  if (up < 0) {
    ::close(down);  // nothing upstream: the client sees a closed connection and retries
    return;
  }
  set_nonblocking(down, true);
  pairs_.push_back(Pair{down, up, {}, {}});
  ++connections_;
}

void LinkRelay::loop() {
  while (!stopping_) {
    const bool paused = paused_;
    std::vector<pollfd> fds;
    fds.push_back({wake_pipe_[0], POLLIN, 0});
    if (!paused) {
      fds.push_back({listener_, POLLIN, 0});
      for (const auto& pair : pairs_) {
        fds.push_back({pair.down, static_cast<short>(POLLIN | (pair.up_to_down.empty() ? 0 : POLLOUT)), 0});
        fds.push_back({pair.up, static_cast<short>(POLLIN | (pair.down_to_up.empty() ? 0 : POLLOUT)), 0});
      }
    }
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
    if (fds[0].revents & POLLIN) {
      char sink[64];
      while (::read(wake_pipe_[0], sink, sizeof sink) > 0) {
      }
    }
    if (paused || paused_) continue;
    if (fds[1].revents & POLLIN) accept_one();
    std::vector<Pair> alive;
    for (std::size_t i = 0; i < pairs_.size() && 2 + 2 * i + 1 < fds.size(); ++i) {
      Pair& pair = pairs_[i];
      const short down_events = fds[2 + 2 * i].revents, up_events = fds[2 + 2 * i + 1].revents;
      bool open = true;
      if (down_events & (POLLIN | POLLHUP | POLLERR)) open = drain(pair.down, pair.down_to_up) && open;
      if (up_events & (POLLIN | POLLHUP | POLLERR)) open = drain(pair.up, pair.up_to_down) && open;
      const bool delivered = flush(pair.up, pair.down_to_up) && flush(pair.down, pair.up_to_down);
      if (!open || !delivered) {
        // One side ended: hand over what it sent, then close both, as a cable would.
        for (int fd : {pair.up, pair.down}) {
          set_nonblocking(fd, false);
          timeval limit{1, 0};
          ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
        }
        flush(pair.up, pair.down_to_up);
        flush(pair.down, pair.up_to_down);
        ::close(pair.down);
        ::close(pair.up);
        continue;
      }
      alive.push_back(std::move(pair));
    }
    // Pairs accepted in this round were not polled yet; keep them.
    for (std::size_t i = (fds.size() - 2) / 2; i < pairs_.size(); ++i) alive.push_back(std::move(pairs_[i]));
    pairs_ = std::move(alive);
  }
}

}  // namespace quante::test
