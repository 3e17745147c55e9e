#include "history_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace quante::tuner {

std::string lock_path(const std::string& history_path) { return history_path + ".lock"; }

std::variant<HistoryLock, std::string> HistoryLock::acquire(const std::string& history_path) {
  const std::string path = lock_path(history_path);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot open " + path + ": " + std::strerror(errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    std::string holder;
    char buffer[512] = {};
    const auto n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    if (n > 0) holder.assign(buffer, static_cast<std::size_t>(n));
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
    ::close(fd);
    if (error == EWOULDBLOCK)
      return history_path + " is in use by another tuner (" + (holder.empty() ? std::string("holder unknown") : holder) +
             "); stop it, or give this study another --history";
    return "cannot lock " + path + ": " + std::strerror(error);
  }
  // Say who holds it, for the next one that asks.
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::string who = "pid " + std::to_string(::getpid()) + " on " + host + " since " +
                          std::to_string(static_cast<long long>(std::time(nullptr))) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] auto written = ::pwrite(fd, who.data(), who.size(), 0);
  }
  return HistoryLock(fd);
}

void HistoryLock::note(const std::string& text) {
  if (fd_ < 0) return;
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] auto written = ::pwrite(fd_, text.data(), text.size(), 0);
  }
}

namespace {
std::string read_text(int fd) {
  std::string text;
  char buffer[512] = {};
  const auto n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (n > 0) text.assign(buffer, static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text;
}
}  // namespace

LockProbe probe_lock(const std::string& history_path) {
  LockProbe probe;
  // O_RDONLY: looking must not create the file. A shared flock conflicts with run's exclusive one.
  const int fd = ::open(lock_path(history_path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return probe;
  probe.exists = true;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    probe.held = errno == EWOULDBLOCK;
  } else {
    ::flock(fd, LOCK_UN);
  }
  probe.text = read_text(fd);
  ::close(fd);
  return probe;
}

HistoryLock::HistoryLock(HistoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

HistoryLock::~HistoryLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace quante::tuner
