// One worker process per GPU, restarted when it dies; see supervisor.hpp.
#include "supervisor.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <map>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "service_notify.hpp"

namespace quante::worker {

namespace {

using Clock = std::chrono::steady_clock;

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
                                  ::strsignal(WTERMSIG(status)) + ")";
  return "ended";
}

pid_t spawn(const std::string& executable, const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  argv.push_back("quante-worker");
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (auto& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    // In the child: default signal handling, nothing blocked, and die with the supervisor.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    // Under systemd the supervisor is the service's main process and speaks for its children.
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    if (::getppid() != parent) ::_exit(1);  // the supervisor died before prctl
    ::execv(executable.c_str(), raw.data());
    ::_exit(127);
  }
  return pid;
}

struct Child {
  int gpu = -1;
  int slot = -1;                  // -1 when the GPU has one worker
  pid_t pid = -1;                 // -1 while waiting to be restarted
  Clock::time_point started;
  Clock::time_point restart_at;
  RestartBackoff backoff;
  int restarts = 0;
};

}  // namespace

std::chrono::milliseconds RestartBackoff::on_exit(TimePoint started, TimePoint now) {
  if (now - started >= healthy_) next_ = initial_;  // it ran well for a while: start over
  const auto delay = next_;
  next_ = std::min(next_ * 2, max_);
  return delay;
}

std::variant<std::vector<int>, std::string> parse_gpu_list(const std::string& text, const GpuInventory& inventory) {
  std::vector<int> gpus;
  if (text == "all") {
    if (inventory.count <= 0)
      return "--gpus all: no GPU found on this host (" + (inventory.error.empty() ? "none" : inventory.error) + ")";
    for (int i = 0; i < inventory.count; ++i) gpus.push_back(i);
    return gpus;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    int gpu = -1;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), gpu);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size() || gpu < 0 || gpu > 1023)
      return "--gpus " + text + ": \"" + item + "\" is not a GPU index (expected all or a list like 0,1,3)";
    if (std::find(gpus.begin(), gpus.end(), gpu) != gpus.end())
      return "--gpus " + text + ": GPU " + item + " is listed twice";
    if (inventory.count > 0 && gpu >= inventory.count)
      return "--gpus " + text + ": GPU " + item + " does not exist (this host has " + std::to_string(inventory.count) +
             ", by " + inventory.source + ")";
    gpus.push_back(gpu);
    start = end + 1;
  }
  return gpus;
}

std::vector<std::string> child_arguments(const std::vector<std::string>& args, int gpu, int slot, int per_gpu) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool dropped = false;
    for (const char* option : {"--gpus", "--gpu", "--per-gpu", "--slot"}) {
      const std::string name = option;
      if (a == name) {
        ++i;  // and its value
        dropped = true;
      } else if (a.rfind(name + "=", 0) == 0) {
        dropped = true;
      }
    }
    if (!dropped) out.push_back(a);
  }
  // "none" also overrides a config file's gpus key, which would make the child a supervisor.
  for (const std::string& a : {std::string("--gpus"), std::string("none"), std::string("--gpu"), std::to_string(gpu)})
    out.push_back(a);
  if (per_gpu > 1)
    for (const std::string& a : {std::string("--per-gpu"), std::to_string(per_gpu), std::string("--slot"), std::to_string(slot)})
      out.push_back(a);
  return out;
}

int run_supervisor(const SupervisorSettings& settings, StopSignal& stop) {
  std::map<pid_t, std::size_t> by_pid;
  std::vector<Child> children;
  const int per_gpu = std::max(1, settings.per_gpu);
  for (int gpu : settings.gpus)
    for (int slot = 0; slot < per_gpu; ++slot) {
      Child child{gpu, per_gpu > 1 ? slot : -1, -1, {}, Clock::now(),
                  RestartBackoff(settings.backoff_initial, settings.backoff_max, settings.healthy), 0};
      children.push_back(child);
    }
  auto label = [](const Child& c) {
    return "GPU " + std::to_string(c.gpu) + (c.slot >= 0 ? " slot " + std::to_string(c.slot) : "");
  };
  int exit_status = 0;
  bool stopping = false;
  bool notified = false;
  while (true) {
    notify_watchdog();
    const auto now = Clock::now();
    // Start whatever is due.
    if (!stopping) {
      for (std::size_t i = 0; i < children.size(); ++i) {
        Child& c = children[i];
        if (c.pid > 0 || now < c.restart_at) continue;
        c.pid = spawn(settings.executable, child_arguments(settings.args, c.gpu, c.slot, per_gpu));
        c.started = now;
        by_pid[c.pid] = i;
        spdlog::info("supervisor: worker for {} started (pid {}){}", label(c), c.pid,
                     c.restarts ? " (restart " + std::to_string(c.restarts) + ")" : std::string());
      }
    }
    if (!notified) {
      notify_ready();  // every child is started (systemd's Type=notify)
      notified = true;
    }
    // Reap.
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      const auto it = by_pid.find(pid);
      if (it == by_pid.end()) continue;
      Child& c = children[it->second];
      by_pid.erase(it);
      c.pid = -1;
      if (stopping) {
        spdlog::info("supervisor: worker for {} (pid {}) {}", label(c), pid, describe_status(status));
        continue;
      }
      if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
        spdlog::critical("supervisor: worker for {} (pid {}) exited with status 2 (a configuration error); "
                         "stopping every worker",
                         label(c), pid);
        exit_status = 2;
        stop.request();
        continue;
      }
      const auto delay = c.backoff.on_exit(c.started, Clock::now());
      c.restart_at = Clock::now() + delay;
      ++c.restarts;
      spdlog::warn("supervisor: worker for {} (pid {}) {}; restarting it in {} ms", label(c), pid, describe_status(status),
                   delay.count());
    }
    if (stop.requested() && !stopping) {
      stopping = true;
      notify_stopping();
      spdlog::info("supervisor: stopping; SIGTERM to {} worker(s)", by_pid.size());
      for (const auto& [child_pid, index] : by_pid) ::kill(child_pid, SIGTERM);
      const auto deadline = Clock::now() + settings.stop_grace;
      while (!by_pid.empty() && Clock::now() < deadline) {
        pid_t done;
        while ((done = ::waitpid(-1, &status, WNOHANG)) > 0) {
          if (const auto it = by_pid.find(done); it != by_pid.end()) {
            spdlog::info("supervisor: worker for {} (pid {}) {}", label(children[it->second]), done,
                         describe_status(status));
            by_pid.erase(it);
          }
        }
        if (!by_pid.empty()) ::usleep(20000);
      }
      for (const auto& [child_pid, index] : by_pid) {
        spdlog::warn("supervisor: worker for {} (pid {}) ignored SIGTERM; SIGKILL", label(children[index]), child_pid);
        ::kill(child_pid, SIGKILL);
        ::waitpid(child_pid, &status, 0);
      }
      return exit_status;
    }
    // Sleep until a stop, or at most 50 ms (child exits are polled).
    pollfd fd{stop.fd(), POLLIN, 0};
    ::poll(&fd, 1, 50);
  }
}

int supervise_gpus(const std::string& gpus_text, int per_gpu, int argc, char** argv) {
  const GpuInventory inventory = count_gpus();
  auto parsed = parse_gpu_list(gpus_text, inventory);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    spdlog::critical("{}", *error);
    return gpus_text == "all" ? 1 : 2;
  }
  SupervisorSettings settings;
  settings.gpus = std::get<std::vector<int>>(parsed);
  settings.per_gpu = per_gpu;
  for (int i = 1; i < argc; ++i) settings.args.emplace_back(argv[i]);
  std::string list;
  for (int g : settings.gpus) list += (list.empty() ? "" : ",") + std::to_string(g);
  spdlog::info("supervisor: {} worker(s) per GPU for GPUs {} ({} GPU(s) on this host, by {})", per_gpu, list,
               inventory.count, inventory.source.empty() ? "nothing" : inventory.source);
  StopSignal stop;
  return run_supervisor(settings, stop);
}

}  // namespace quante::worker
