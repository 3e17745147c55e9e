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
#include <string>

#include "cancel_signal.hpp"
#include "objective.hpp"

namespace quante::worker {

class ExecObjective final : public Objective {
 public:
  // Starts the child; throws std::system_error when it cannot be spawned.
  ExecObjective(std::string command, const ObjectiveContext& context);
  ~ExecObjective() override;
  ExecObjective(const ExecObjective&) = delete;
  ExecObjective& operator=(const ExecObjective&) = delete;

  Evaluation evaluate(const std::string& job_id, const Params& params) override;
  void cancel() override { cancel_.raise(); }
  std::string describe() const override { return "exec:" + command_; }

  // The current child's pid (its process group id too), 0 when none runs. Thread-safe.
  pid_t child_pid() const { return pid_.load(); }

  static constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;

 private:
  struct Child;

  Evaluation run_job(const std::string& job_id, const Params& params);
  void start_child();
  // Kills the child's group, reaps it and returns how it ended ("exited with status 3 ...").
  std::string stop_child(bool kill_first);

  std::string command_;
  ObjectiveContext context_;
  CancelSignal cancel_;
  std::unique_ptr<Child> child_;
  std::atomic<pid_t> pid_{0};
};

}  // namespace quante::worker
