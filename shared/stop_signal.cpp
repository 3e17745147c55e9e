#include "stop_signal.hpp"

#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace quante {

namespace {
int g_pipe[2] = {-1, -1};
std::atomic<bool> g_requested{false};
std::atomic<int> g_signal{0};

void on_signal(int signo) {
  g_signal.store(signo);
  g_requested.store(true);
  const char byte = 1;
  [[maybe_unused]] auto n = ::write(g_pipe[1], &byte, 1);
}
}  // namespace

StopSignal::StopSignal() {
  if (g_pipe[0] >= 0) return;
  if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("cannot create the stop pipe");
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int StopSignal::fd() const { return g_pipe[0]; }
bool StopSignal::requested() const { return g_requested.load(); }
void StopSignal::request() { on_signal(0); }
int StopSignal::last_signal() { return g_signal.load(); }

}  // namespace quante
