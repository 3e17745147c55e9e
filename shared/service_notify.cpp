#include "service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "rate_limit.hpp"
#include <spdlog/spdlog.h>

namespace quante {

bool WatchdogPacer::due(Clock::time_point now) {
  if (last_ && now - *last_ < period_) return false;
  last_ = now;
  return true;
}

std::optional<std::chrono::microseconds> watchdog_interval_from_environment() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (!usec || !*usec) return std::nullopt;
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid && *pid) {
    char* end = nullptr;
    const long long value = std::strtoll(pid, &end, 10);
    if (*end != '\0' || value != static_cast<long long>(::getpid())) return std::nullopt;
  }
  if (*usec < '0' || *usec > '9') return std::nullopt;  // strtoull would wrap "-5"
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(usec, &end, 10);
  if (errno != 0 || *end != '\0' || value == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<long long>(value));
}

bool send_notify_datagram(const std::string& notify_socket, const std::string& text) {
  if (notify_socket.empty() || (notify_socket[0] != '/' && notify_socket[0] != '@')) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (notify_socket.size() >= sizeof address.sun_path) return false;
  std::memcpy(address.sun_path, notify_socket.data(), notify_socket.size());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + notify_socket.size());
  if (notify_socket[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
  else ++length;                                             // the path's terminating NUL
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ssize_t sent;
  do {
    sent = ::sendto(fd, text.data(), text.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address), length);
  } while (sent < 0 && errno == EINTR);
  const int saved_errno = errno;
  ::close(fd);
  errno = saved_errno;
  return sent == static_cast<ssize_t>(text.size());
}

namespace {

// Read once: the environment of a service does not change under it.
struct Notifier {
  std::mutex mutex;
  std::string socket;
  std::optional<WatchdogPacer> pacer;
  RateLimit failure_log{1};

  Notifier() {
    if (const char* s = std::getenv("NOTIFY_SOCKET")) socket = s;
    if (auto interval = watchdog_interval_from_environment()) pacer.emplace(*interval / 2);
  }

  void send(const std::string& text) {
    if (socket.empty()) return;
    if (!send_notify_datagram(socket, text) && failure_log.allow())
      spdlog::warn("could not notify the service manager at {}: {}", socket, std::strerror(errno));
  }
};

Notifier& notifier() {
  static Notifier instance;
  return instance;
}

}  // namespace

void notify_ready() {
  auto& n = notifier();
  std::lock_guard lock(n.mutex);
  n.send("READY=1\nMAINPID=" + std::to_string(::getpid()));
  if (n.pacer) n.pacer->due(WatchdogPacer::Clock::now());  // READY counts as the first sign of life
}

void notify_watchdog() {
  auto& n = notifier();
  if (!n.pacer || n.socket.empty()) return;
  std::lock_guard lock(n.mutex);
  if (n.pacer->due(WatchdogPacer::Clock::now())) n.send("WATCHDOG=1");
}

void notify_stopping() {
  auto& n = notifier();
  std::lock_guard lock(n.mutex);
  n.send("STOPPING=1");
}

void notify_status(const std::string& status) {
  auto& n = notifier();
  std::lock_guard lock(n.mutex);
  n.send(status);
}

}  // namespace quante
