// The worker process's loop: a DEALER to the broker's backend. It registers (READY) with the
// objectives it serves, runs one job at a time on a JobRunner while it keeps heart-beating,
// enforces each job's deadline, reconnects with exponential back-off when the broker goes
// silent, and on SIGTERM gives its running job back before it leaves. After each job it checks
// the GPU memory its objective holds (memory_guard.hpp) and restarts the objective that leaks.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "job_runner.hpp"
#include "liveness.hpp"
#include "memory_guard.hpp"
#include "objective_set.hpp"
#include "stop_signal.hpp"
#include "worker_config.hpp"

namespace quante::worker {

class Worker {
 public:
  Worker(WorkerConfig settings, ObjectiveSet objectives);
  // Until `stop`; the process's exit status: 0, or kRestartProcess when GPU memory that the
  // objectives leaked stayed held after they were restarted (only a new process frees it).
  int run(const StopSignal& stop);
  static constexpr int kRestartProcess = 75;  // EX_TEMPFAIL: the supervisor or systemd starts it again
  const std::string& name() const { return settings_.name; }

 private:
  using Clock = std::chrono::steady_clock;
  void connect();
  void send(const protocol::Message& message);
  void handle(const protocol::Message& message);
  // Reads and handles every message waiting on the socket (each one counts as hearing the broker).
  void receive_all();
  void on_job(const protocol::Job& job);
  void on_finished(const StopSignal& stop);
  // Sends a finished job's result (or keeps it for after a reconnect) and checks GPU memory.
  void deliver(const protocol::Job& job, protocol::Outcome outcome);
  // A crashed job's result waits kStopGrace for a stop that killed the child with us (then the
  // job is given back); the loop keeps heart-beating meanwhile. Delivers it once the grace is over.
  void deliver_held_crash(Clock::time_point now);
  static constexpr std::chrono::milliseconds kStopGrace{500};
  void on_report();
  // The GPU memory guard, after a job of `objective` finished.
  void check_gpu_memory(const std::string& objective);
  void give_back_and_leave();
  protocol::Ready ready_message() const;
  // Closes the socket, waits out the back-off (a job may finish meanwhile), connects again.
  // False when a stop arrived while waiting.
  bool reconnect_after_backoff(const StopSignal& stop);
  static protocol::Result within_protocol_limits(protocol::Result result);

  WorkerConfig settings_;
  ObjectiveSet objectives_;
  std::map<std::string, MemoryGuard> guards_;  // per objective
  zmq::context_t context_;
  std::unique_ptr<zmq::socket_t> socket_;
  JobRunner runner_;
  std::optional<protocol::Result> unsent_result_;
  std::optional<std::string> given_back_;  // a job whose child died with the stop: handed back on leaving
  struct HeldCrash {
    protocol::Job job;
    protocol::Outcome outcome;
    Clock::time_point until;
  };
  std::optional<HeldCrash> held_crash_;  // a crashed job's result, waiting out kStopGrace
  Clock::time_point job_deadline_ = Clock::time_point::max();
  bool deadline_hit_ = false;
  bool refused_ = false;         // the broker refused our registration: back off, then register again
  Liveness liveness_;            // the broker's: heard within liveness beats; our next beat
  Backoff backoff_;              // before reconnecting: reconnect_ms doubling to reconnect_max_ms
  std::uint64_t broker_epoch_ = 0;
  std::uint64_t jobs_done_ = 0;
  int exit_status_ = 0;
  std::uint64_t objective_restarts_ = 0;
};

// HOST/gpuN (HOST/gpuN.sS for slot S of a GPU shared by --per-gpu workers), or HOST/pidP when no
// GPU is given.
std::string default_worker_name(int gpu, int slot = -1);

}  // namespace quante::worker
