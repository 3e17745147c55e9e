// Test helpers for real processes: start a program with its output in a log file, signal it,
// wait for it with a deadline; wait for a condition with a deadline (never sleep for luck);
// a temporary folder removed at the end.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace quante::test {

class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_path);
  ~ChildProcess();  // SIGKILL if still running, then reaped
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signo) const;
  bool running();
  // The exit code (or 128 + signal) once it ended within `timeout`, else nullopt.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string log() const;  // what it wrote so far
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

// Polls `condition` every 20 ms until it holds (true) or the deadline passes (false).
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
std::size_t count_lines(const std::string& path);
// The resident set size of a process in KiB (VmRSS), -1 when it cannot be read.
long resident_kib(pid_t pid);
// CPU time (user + system, all threads) a process has used so far, in seconds; -1 when unknown.
double cpu_seconds(pid_t pid);

}  // namespace quante::test
