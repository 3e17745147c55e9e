// exec:COMMAND: a long-lived child process that answers jobs over JSON lines (ARCHITECTURE.md,
// "exec objectives"; the format is in json_lines.hpp).
//
// The child is `/bin/sh -c COMMAND`, started when the objective is made, in its own process group,
// with stdin and stdout as pipes to the worker and stderr copied to the worker's log line by line
// by a reader thread (so a chatty child never blocks on a full pipe). Its environment adds
// QUANTE_GPU=N (-1 for none), CUDA_VISIBLE_DEVICES=N when N >= 0 (the child then sees its GPU
// as device 0), and PYTHONUNBUFFERED=1 unless already set (a Python child that forgets to
// flush would otherwise time out).
//
// Per job the worker writes one line and waits, with poll() and the context's timeout, for one
// answer line. A child that dies (Crashed: the error carries its exit status or signal and its
// last stderr line), writes garbage, the wrong id or a line over 1 MiB (Protocol), or overruns the
// timeout (Timeout: the whole process group gets SIGKILL) fails that job and is replaced by a
// fresh child straight away, so its start-up overlaps the worker's report. The job's timeout
// covers a fresh child's start-up too. An answer without its newline waits for the newline until
// the timeout. Output the child writes between jobs is logged and discarded.
//
// Learning curves (json_lines.hpp): the job line carries "max_steps" when the reporter has one.
// Until the final line, each step line of this job goes to the TrialReporter and its decision goes
// back on the child's stdin, without blocking: when the pipe is full (a child that reports and
// never reads) the answer is dropped, counted, and one warning per job says how many. A step line
// with a bad step or loss is answered "continue" and logged (rate-limited); a line for another job
// id (a late answer of the previous job, a grandchild's) is discarded and logged (rate-limited):
// neither fails the job. Nothing is logged or synced per good line, so a flood costs only parsing.
//
// Debian's sh (dash) stays as the parent of a single command: write `exec:exec python3 train.py`
// for the program itself to be the child, so that its signal (not the shell's "status 139")
// shows in a crash report. Either way the kills reach the whole process group.
//
// Destruction closes the child's stdin, gives it 2 s to exit, then SIGTERM to the group, 1 s
// more, then SIGKILL, and reaps it. Writing to a dead child's pipe raises no SIGPIPE in the
// worker: the signal is blocked in the writing thread and a pending one swallowed.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <chrono>
#include <optional>
#include <string>

#include "objective.hpp"
#include "rate_limit.hpp"

namespace quante::worker {

class ExecObjective final : public Objective {
 public:
  // Starts the child; throws std::system_error when it cannot be spawned.
  ExecObjective(std::string command, const ObjectiveContext& context);
  ~ExecObjective() override;
  ExecObjective(const ExecObjective&) = delete;
  ExecObjective& operator=(const ExecObjective&) = delete;

  std::string describe() const override { return "exec:" + command_; }

  // The current child's pid (its process group id too), 0 when none runs. Thread-safe.
  pid_t child_pid() const { return pid_.load(); }
  // The child's process group: /bin/sh and what it started (the GPU memory is held by those).
  std::vector<int> processes() const override;

  static constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;
  static constexpr std::chrono::milliseconds kStartCheck{500};

  // Waits up to `within` for the child to die; how it ended ("exited with status 127 (last stderr
  // line: ...)") if it did, nullopt if it still runs. make_objective refuses such a command.
  std::optional<std::string> died_at_start(std::chrono::milliseconds within);

 protected:
  Evaluation run(const std::string& job_id, const Params& params, TrialReporter& reporter) override;

 private:
  struct Child;

  Evaluation run_job(const std::string& job_id, const Params& params, TrialReporter& reporter);
  void start_child();
  // Kills the child's group, reaps it and returns how it ended ("exited with status 3 ...").
  std::string stop_child(bool kill_first);

  std::string command_;
  ObjectiveContext context_;
  std::unique_ptr<Child> child_;
  std::atomic<pid_t> pid_{0};
  RateLimit log_limit_{5};  // for stale and malformed lines: a flood must not flood the log
};

}  // namespace quante::worker
