// The sd_notify pieces without a service manager: the watchdog pacing driven by a fake clock,
// WATCHDOG_USEC / WATCHDOG_PID as systemd sets them, and datagrams to a path or abstract socket.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "process.hpp"
#include "service_notify.hpp"

using namespace quante;
using namespace std::chrono_literals;

TEST_CASE("watchdog pacing: the first call pings, then once per half period", "[notify]") {
  WatchdogPacer pacer(15s);  // WATCHDOG_USEC = 30 s
  const auto t0 = WatchdogPacer::Clock::time_point{} + 1h;
  CHECK(pacer.due(t0));
  CHECK_FALSE(pacer.due(t0 + 1ms));
  CHECK_FALSE(pacer.due(t0 + 14999ms));
  CHECK(pacer.due(t0 + 15s));
  CHECK_FALSE(pacer.due(t0 + 20s));
  CHECK(pacer.due(t0 + 31s));  // a late turn pings at once, and the period restarts from it
  CHECK_FALSE(pacer.due(t0 + 45s));
  CHECK(pacer.due(t0 + 46s));
  int pings = 0;
  for (auto t = t0 + 100s; t < t0 + 100s + 150s; t += 10ms) pings += pacer.due(t);
  CHECK(pings == 10);  // a busy loop over 150 s: exactly one ping per 15 s
}

TEST_CASE("watchdog interval from the environment", "[notify]") {
  ::unsetenv("WATCHDOG_PID");
  ::unsetenv("WATCHDOG_USEC");
  CHECK_FALSE(watchdog_interval_from_environment());
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  CHECK(watchdog_interval_from_environment() == std::chrono::microseconds(30000000));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  CHECK(watchdog_interval_from_environment() == std::chrono::microseconds(30000000));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);  // meant for another process
  CHECK_FALSE(watchdog_interval_from_environment());
  ::unsetenv("WATCHDOG_PID");
  for (const char* bad : {"", "0", "-5", "30s", "abc"}) {
    ::setenv("WATCHDOG_USEC", bad, 1);
    CHECK_FALSE(watchdog_interval_from_environment());
  }
  ::unsetenv("WATCHDOG_USEC");
}

TEST_CASE("notify datagrams reach a path socket and an abstract socket", "[notify]") {
  quante::test::TempDir dir;
  auto receive_on = [](const sockaddr_un& address, socklen_t length, const std::string& notify_socket) {
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0);
    REQUIRE(send_notify_datagram(notify_socket, "READY=1\nSTATUS=serving"));
    char buffer[256] = {};
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);  // the datagram is already queued
    ::close(fd);
    return std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
  };
  sockaddr_un path{};
  path.sun_family = AF_UNIX;
  const std::string file = dir.file("notify");
  std::strncpy(path.sun_path, file.c_str(), sizeof path.sun_path - 1);
  CHECK(receive_on(path, sizeof path, file) == "READY=1\nSTATUS=serving");

  sockaddr_un abstract{};
  abstract.sun_family = AF_UNIX;
  const std::string name = "quante-test-notify-" + std::to_string(::getpid());
  std::memcpy(abstract.sun_path + 1, name.data(), name.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  CHECK(receive_on(abstract, length, "@" + name) == "READY=1\nSTATUS=serving");

  CHECK_FALSE(send_notify_datagram("", "READY=1"));
  CHECK_FALSE(send_notify_datagram("relative/path", "READY=1"));
  CHECK_FALSE(send_notify_datagram(dir.file("nobody-listens"), "READY=1"));
}
