// See exec.hpp. The child's life: start_child() spawns it, run_job() talks to it, and every
// failure path goes through restart_after() or stop_child(), which kill its process group
// *before* reaping it: until it is reaped, its pid (also its group id) cannot be reused, so the
// group kill never hits a stranger.
#include "exec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "json_lines.hpp"
#include "rate_limit.hpp"
#include "unique_fd.hpp"

extern char** environ;

namespace quante::worker {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kExitGrace = 2s;       // after closing stdin, in the destructor
constexpr auto kTermGrace = 1s;       // after SIGTERM, in the destructor
constexpr auto kKillGrace = 2s;       // after SIGKILL, before a reaper thread takes over
constexpr auto kCrashGrace = 1s;      // for an exit status once stdout or stdin closed
constexpr auto kStderrDrain = 500ms;  // for the stderr reader to reach EOF after a stop
constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMaxStderrLine = 64 * 1024;

using Fd = UniqueFd;

[[noreturn]] void throw_system_error(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    throw_system_error(errno, "fcntl(O_NONBLOCK)");
  }
}

std::pair<Fd, Fd> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_system_error(errno, "pipe2");
  return {Fd(fds[0]), Fd(fds[1])};
}

int poll_timeout_ms(Clock::time_point deadline) {
  const auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  return static_cast<int>(
      std::min<long long>(std::chrono::ceil<std::chrono::milliseconds>(left).count(), INT_MAX));
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    std::string text = "was killed by signal " + std::to_string(signal);
    if (const char* abbrev = ::sigabbrev_np(signal)) text += std::string(" (SIG") + abbrev + ")";
    if (WCOREDUMP(status)) text += ", core dumped";
    return text;
  }
  return "ended with wait status " + std::to_string(status);
}

// A pidfd (readable once the process exits), or -1 where the kernel has none (before 5.3).
// Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C".
int pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  return static_cast<int>(fd);
#else
  (void)pid;
  return -1;
#endif
}

// True once the process has exited. WNOWAIT leaves it a zombie: see the top of the file.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno == ECHILD;  // someone reaped it already (SIGCHLD ignored?): gone all the same
  }
  return info.si_pid == pid;
}

// Blocks SIGPIPE in this thread while writing to a child, and swallows one that a write to a
// closed pipe raised, so the worker never dies of it whatever its signal dispositions.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &set_, &old_);
    sigset_t pending;
    sigemptyset(&pending);
    ::sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlock() {
    if (!was_pending_) {
      const timespec zero{};
      while (::sigtimedwait(&set_, nullptr, &zero) > 0) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t set_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

// Copies a child's stderr to the log, a line at a time, on its own thread, and keeps the last
// line for crash reports. finish() waits (bounded) for EOF, then stops it: a grandchild that
// escaped the process group may hold the pipe open forever.
class StderrPump {
 public:
  StderrPump(Fd fd, std::string label)
      : fd_(std::move(fd)),
        stop_(make_eventfd()),
        label_(std::move(label)) {
    set_nonblocking(fd_.get());
    thread_ = std::thread([this] { run(); });
  }
  ~StderrPump() { finish(Clock::now()); }
  StderrPump(const StderrPump&) = delete;
  StderrPump& operator=(const StderrPump&) = delete;

  void finish(Clock::time_point deadline) {
    if (!thread_.joinable()) return;
    {
      std::unique_lock lock(mutex_);
      done_changed_.wait_until(lock, deadline, [this] { return done_; });
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }

  std::string last_line() const {
    std::lock_guard lock(mutex_);
    return last_line_;
  }

 private:
  void run() {
    std::string pending;
    std::vector<char> chunk(kChunk);
    bool stopping = false;
    while (true) {
      pollfd fds[2] = {{fd_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
      if (!stopping && ::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (stopping || fds[1].revents != 0) stopping = true;  // drain what is there, then stop
      const ssize_t n = ::read(fd_.get(), chunk.data(), chunk.size());
      if (n > 0) {
        pending.append(chunk.data(), static_cast<std::size_t>(n));
        emit_lines(pending);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN && !stopping) continue;
      break;  // EOF, a read error, or stopping with nothing left
    }
    if (!pending.empty()) emit(pending);
    std::lock_guard lock(mutex_);
    done_ = true;
    done_changed_.notify_all();
  }

  void emit_lines(std::string& pending) {
    std::size_t start = 0;
    for (std::size_t newline; (newline = pending.find('\n', start)) != std::string::npos;
         start = newline + 1) {
      emit(std::string_view(pending).substr(start, newline - start));
    }
    pending.erase(0, start);
    if (pending.size() > kMaxStderrLine) {  // a line without end: log it in pieces
      emit(pending);
      pending.clear();
    }
  }

  void emit(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    spdlog::info("{}: {}", label_, line);
    std::lock_guard lock(mutex_);
    last_line_ = excerpt(line);
  }

  Fd fd_;
  Fd stop_;
  std::string label_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable done_changed_;
  bool done_ = false;
  std::string last_line_;
};

struct SpawnResources {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnResources() {
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawnattr_init(&attr);
  }
  ~SpawnResources() {
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
  }
  SpawnResources(const SpawnResources&) = delete;
  SpawnResources& operator=(const SpawnResources&) = delete;
};

std::vector<std::string> child_environment(int gpu) {
  std::vector<std::string> env;
  bool has_unbuffered = false;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (text.starts_with("QUANTE_GPU=") || text.starts_with("CUDA_VISIBLE_DEVICES=")) {
      if (gpu >= 0 || text.starts_with("QUANTE_GPU=")) continue;
    }
    has_unbuffered = has_unbuffered || text.starts_with("PYTHONUNBUFFERED=");
    env.emplace_back(text);
  }
  env.push_back("QUANTE_GPU=" + std::to_string(gpu));
  if (gpu >= 0) env.push_back("CUDA_VISIBLE_DEVICES=" + std::to_string(gpu));
  if (!has_unbuffered) env.emplace_back("PYTHONUNBUFFERED=1");
  return env;
}

// The processes of group `group`, read from /proc/PID/stat (its fifth field is the group).
std::vector<int> process_group_members(pid_t group) {
  std::vector<int> members;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    const auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 1));
    std::string state;
    long parent = 0, pgrp = 0;
    if (fields >> state >> parent >> pgrp && pgrp == group) members.push_back(std::stoi(name));
  }
  return members;
}

}  // namespace

std::vector<int> ExecObjective::processes() const {
  const pid_t pid = pid_.load();
  if (pid <= 0) return {};
  auto members = process_group_members(pid);
  if (members.empty()) members.push_back(pid);
  return members;
}

struct ExecObjective::Child {
  pid_t pid = 0;
  Fd pidfd;            // readable once the child exits; -1 where the kernel has no pidfd_open
  Fd in;               // the child's stdin, non-blocking
  Fd out;              // the child's stdout, non-blocking
  std::string buffer;  // stdout bytes not yet taken as an answer
  bool out_eof = false;
  std::string in_pending;  // the rest of an answer line the pipe took only part of
  std::unique_ptr<StderrPump> err;

  // Reads what stdout holds now, up to a little over the line limit.
  void read_available() {
    char chunk[kChunk];
    while (!out_eof && buffer.size() <= ExecObjective::kMaxLineBytes) {
      const ssize_t n = ::read(out.get(), chunk, sizeof chunk);
      if (n > 0) {
        buffer.append(chunk, static_cast<std::size_t>(n));
      } else if (n == 0) {
        out_eof = true;
      } else if (errno != EINTR) {
        if (errno != EAGAIN) out_eof = true;
        return;
      }
    }
  }

  // Writes what in_pending holds as far as the pipe takes it now; never blocks.
  void flush_pending() {
    while (!in_pending.empty()) {
      const ssize_t n = ::write(in.get(), in_pending.data(), in_pending.size());
      if (n > 0) {
        in_pending.erase(0, static_cast<std::size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        if (n < 0 && errno != EAGAIN) in_pending.clear();  // EPIPE: it closed its stdin; fine
        return;
      }
    }
  }

  // Sends one answer line without blocking. False when it was dropped: the pipe is full (a child
  // that reports and does not read its stdin) or closed. A line the pipe took in part is finished
  // before any other (flush_pending), so the child never reads a torn line.
  bool send(const std::string& line) {
    flush_pending();
    if (!in_pending.empty()) return false;
    while (true) {
      const ssize_t n = ::write(in.get(), line.data(), line.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      if (static_cast<std::size_t>(n) < line.size()) in_pending.assign(line, static_cast<std::size_t>(n));
      return true;
    }
  }

  // Waits until the child exits or the deadline passes; true when it has exited.
  bool wait_exit(Clock::time_point deadline) const {
    while (!has_exited(pid)) {
      if (Clock::now() >= deadline) return false;
      if (pidfd.get() >= 0) {
        pollfd p{pidfd.get(), POLLIN, 0};
        ::poll(&p, 1, poll_timeout_ms(deadline));
      } else {
        std::this_thread::sleep_for(std::min<Clock::duration>(5ms, deadline - Clock::now()));
      }
    }
    return true;
  }
};

ExecObjective::ExecObjective(std::string command, const ObjectiveContext& context)
    : command_(std::move(command)), context_(context) {
  start_child();
}

ExecObjective::~ExecObjective() {
  try {
    if (child_) {
      const std::string how = stop_child(true);
      spdlog::info("{}: child {}", describe(), how);
    }
  } catch (...) {  // logging failed; the child is reaped all the same
  }
}

std::optional<std::string> ExecObjective::died_at_start(std::chrono::milliseconds within) {
  if (!child_ || !child_->wait_exit(Clock::now() + within)) return std::nullopt;
  return stop_child(false);  // reaps it and forgets it
}

void ExecObjective::start_child() {
  auto [in_read, in_write] = make_pipe();
  auto [out_read, out_write] = make_pipe();
  auto [err_read, err_write] = make_pipe();

  SpawnResources spawn;
  ::posix_spawn_file_actions_adddup2(&spawn.actions, in_read.get(), STDIN_FILENO);
  ::posix_spawn_file_actions_adddup2(&spawn.actions, out_write.get(), STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(&spawn.actions, err_write.get(), STDERR_FILENO);
  ::posix_spawnattr_setflags(
      &spawn.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  ::posix_spawnattr_setpgroup(&spawn.attr, 0);  // its own group, so a kill reaches its children
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  ::posix_spawnattr_setsigmask(&spawn.attr, &none);
  ::posix_spawnattr_setsigdefault(&spawn.attr, &all);  // whatever the worker ignores or blocks

  std::vector<std::string> env = child_environment(context_.gpu);
  std::vector<char*> envp;
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string shell = "sh", dash_c = "-c", command = command_;
  char* argv[] = {shell.data(), dash_c.data(), command.data(), nullptr};

  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, "/bin/sh", &spawn.actions, &spawn.attr, argv, envp.data());
  if (rc != 0) throw_system_error(rc, "posix_spawn /bin/sh -c " + excerpt(command_));

  auto child = std::make_unique<Child>();
  child->pid = pid;
  child->pidfd = Fd(pidfd_open(pid));
  child->in = std::move(in_write);
  child->out = std::move(out_read);
  set_nonblocking(child->in.get());
  set_nonblocking(child->out.get());
  child->err = std::make_unique<StderrPump>(
      std::move(err_read), fmt::format("{} [pid {}] stderr", excerpt(describe()), pid));
  child_ = std::move(child);
  pid_ = pid;
  spdlog::info("{}: started the child, pid {}", describe(), pid);
}

std::string ExecObjective::stop_child(bool graceful) {
  Child& child = *child_;
  if (graceful) {
    child.in.reset();  // EOF on its stdin: a well-behaved child finishes and exits
    if (!child.wait_exit(Clock::now() + kExitGrace)) {
      ::kill(-child.pid, SIGTERM);
      child.wait_exit(Clock::now() + kTermGrace);
    }
  }
  ::kill(-child.pid, SIGKILL);  // the leader if it still runs, and any strays of its group
  std::string how;
  if (child.wait_exit(Clock::now() + kKillGrace)) {
    int status = 0;
    how = ::waitpid(child.pid, &status, 0) == child.pid ? describe_status(status)
                                                        : "ended (exit status unknown)";
  } else {  // stuck in the kernel (a GPU driver, NFS): never block the worker on it
    how = "did not die within 2 s of SIGKILL; a thread will reap it";
    std::thread([pid = child.pid] {
      int status = 0;
      ::waitpid(pid, &status, 0);
    }).detach();
  }
  child.in.reset();
  child.out.reset();
  child.pidfd.reset();
  child.err->finish(Clock::now() + kStderrDrain);
  if (const std::string last = child.err->last_line(); !last.empty()) {
    how += " (last stderr line: " + last + ")";
  }
  child_.reset();
  pid_ = 0;
  return how;
}

Evaluation ExecObjective::run(const std::string& job_id, const Params& params, TrialReporter& reporter) {
  try {
    return run_job(job_id, params, reporter);
  } catch (const std::exception& e) {  // out of memory, a failed thread start: fail the job only
    if (child_) stop_child(false);
    return failed_evaluation(FailureKind::Crashed, std::string("exec objective: ") + e.what());
  }
}

Evaluation ExecObjective::run_job(const std::string& job_id, const Params& params, TrialReporter& reporter) {
  const auto deadline = Clock::now() + context_.timeout;
  CancelSignal& cancel = cancel_signal();

  // Kills the child after a failed job and starts a fresh one for the next, straight away.
  auto restart_after = [this](FailureKind kind, const std::string& reason, bool wait_for_exit) {
    if (wait_for_exit) child_->wait_exit(Clock::now() + kCrashGrace);
    const std::string how = "the child " + stop_child(false);
    std::string error = reason.empty() ? how : reason + "; " + how;
    try {
      start_child();
    } catch (const std::exception& e) {
      spdlog::error("{}: cannot restart the child: {}", describe(), e.what());
    }
    return failed_evaluation(kind, std::move(error));
  };
  auto cancelled = [this] {
    return failed_evaluation(FailureKind::Timeout, "cancelled; the child " + stop_child(false));
  };

  if (child_ && has_exited(child_->pid)) {
    const std::string how = stop_child(false);
    spdlog::warn("{}: the child {} between jobs; starting a fresh one", describe(), how);
  }
  if (!child_) {
    try {
      start_child();
    } catch (const std::exception& e) {
      return failed_evaluation(FailureKind::Crashed, std::string("cannot start the child: ") + e.what());
    }
  }
  Child& child = *child_;

  child.read_available();
  if (!child.buffer.empty()) {
    spdlog::warn("{}: discarding {} bytes the child wrote to stdout between jobs: {}", describe(),
                 child.buffer.size(), excerpt(child.buffer));
    child.buffer.clear();
  }

  // A job line after what is left of an answer line the pipe took only in part.
  const std::string line =
      std::exchange(child.in_pending, {}) + encode_job(job_id, params, context_.gpu, reporter.max_steps()) + "\n";
  SigpipeBlock no_sigpipe;  // for the job line and the answers to step lines
  {
    std::size_t written = 0;
    while (written < line.size()) {
      const ssize_t n = ::write(child.in.get(), line.data() + written, line.size() - written);
      if (n >= 0) {
        written += static_cast<std::size_t>(n);
        continue;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        return restart_after(FailureKind::Crashed,
                             std::string("cannot write the job: ") + std::strerror(errno), true);
      }
      pollfd fds[2] = {{child.in.get(), POLLOUT, 0}, {cancel.fd(), POLLIN, 0}};
      if (::poll(fds, 2, poll_timeout_ms(deadline)) < 0 && errno != EINTR) {
        return restart_after(FailureKind::Crashed, std::string("poll: ") + std::strerror(errno),
                             false);
      }
      if (cancel.raised()) return cancelled();
      if (Clock::now() >= deadline) {
        return restart_after(FailureKind::Timeout,
                             "the child did not read its job within " +
                                 std::to_string(context_.timeout.count()) + " ms",
                             false);
      }
    }
  }

  // Step lines are answered until the final line. Lines are taken from the buffer by position and
  // the buffer is cut once per read, so a flood of small lines costs linear time.
  std::uint64_t dropped_answers = 0;
  struct DroppedLog {  // one warning per job, however many answers the full pipe refused
    const ExecObjective& self;
    const std::string& job_id;
    const std::uint64_t& count;
    ~DroppedLog() {
      if (count > 0) {
        spdlog::warn("{}: job {}: {} answers to step lines dropped: the child does not read its stdin",
                     self.describe(), job_id, count);
      }
    }
  } dropped_log{*this, job_id, dropped_answers};
  bool exited = false;
  std::size_t position = 0;
  while (true) {
    if (const auto newline = child.buffer.find('\n', position); newline != std::string::npos) {
      if (newline - position > kMaxLineBytes) {
        return restart_after(FailureKind::Protocol, "answer line longer than 1 MiB", false);
      }
      std::string_view text(child.buffer.data() + position, newline - position);
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      ChildLine decoded = decode_child_line(text, job_id);
      position = newline + 1;
      switch (decoded.kind) {
        case ChildLine::Kind::Final:
          child.buffer.erase(0, position);
          return std::move(decoded.final);
        case ChildLine::Kind::Invalid:
          return restart_after(FailureKind::Protocol, decoded.final.error, false);
        case ChildLine::Kind::OtherJob:
          if (log_limit_.allow()) spdlog::warn("{}: discarding {}", describe(), decoded.problem);
          continue;
        case ChildLine::Kind::BadStep:
          if (log_limit_.allow()) spdlog::warn("{}: job {}: answering continue to {}", describe(), job_id, decoded.problem);
          if (!child.send(encode_continue(job_id, std::nullopt, true) + "\n")) ++dropped_answers;
          continue;
        case ChildLine::Kind::Step: {
          const bool go_on = reporter.report(decoded.step);
          if (!child.send(encode_continue(job_id, decoded.step.step, go_on) + "\n")) ++dropped_answers;
          continue;
        }
      }
    }
    child.buffer.erase(0, position);
    position = 0;
    if (child.buffer.size() > kMaxLineBytes) {
      return restart_after(FailureKind::Protocol, "answer line longer than 1 MiB", false);
    }
    if (child.out_eof || exited) {
      std::string reason;
      if (!child.buffer.empty()) reason = "an unfinished answer: " + excerpt(child.buffer);
      return restart_after(FailureKind::Crashed, reason, true);
    }
    if (Clock::now() >= deadline) {
      std::string reason = "no answer within " + std::to_string(context_.timeout.count()) + " ms";
      if (!child.buffer.empty()) reason += " (an unfinished line: " + excerpt(child.buffer) + ")";
      return restart_after(FailureKind::Timeout, reason, false);
    }

    pollfd fds[4] = {{child.out.get(), POLLIN, 0},
                     {cancel.fd(), POLLIN, 0},
                     {child.pidfd.get(), POLLIN, 0},  // poll skips a negative fd
                     {child.in_pending.empty() ? -1 : child.in.get(), POLLOUT, 0}};
    if (::poll(fds, 4, poll_timeout_ms(deadline)) < 0 && errno != EINTR) {
      return restart_after(FailureKind::Crashed, std::string("poll: ") + std::strerror(errno),
                           false);
    }
    if (cancel.raised()) return cancelled();
    if (fds[3].revents != 0) child.flush_pending();
    if (fds[0].revents != 0) child.read_available();
    if (fds[2].revents != 0) {  // it exited: what it wrote before is still in the pipe
      child.read_available();
      exited = true;
    }
  }
}

}  // namespace quante::worker
