// The broker's state machine, free of sockets so that tests can drive it with a fake clock:
// which workers exist and what they serve, which jobs are queued, running or waiting for the
// tuner's acknowledgement, and what must be sent in answer to each event.
//
// Guarantees kept here:
// - dispatch to an idle worker serving the job's objective whose GPU has the memory its study
//   asks for (Submit::min_gpu_memory_mib), least recently used first, with per-study round robin
//   so several tuners share the workers fairly; a submission no connected worker can run is
//   accepted and queued, and its acknowledgement says why (SubmitAck::unservable);
// - at-least-once: a job whose worker is lost is re-queued, up to max_attempts losses, then
//   failed to its tuner as worker-lost; a job that ran out of GPU memory is re-queued (another
//   worker first) until it has had max_attempts attempts;
// - fencing: each dispatch carries an attempt number and the broker epoch; a result is
//   accepted only for the (job, attempt, epoch) issued to that very worker and still running;
//   everything else is counted as stale and never delivered;
// - a result stays held until the tuner acknowledges it, and is re-sent until then.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker_metrics.hpp"
#include "broker_config.hpp"
#include "protocol.hpp"
#include "rate_limit.hpp"

namespace quante::broker {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct Outgoing {
  protocol::Link link;
  std::string identity;
  protocol::Message message;
};

class BrokerState {
 public:
  BrokerState(BrokerConfig settings, std::uint64_t epoch);

  void on_worker(const std::string& identity, const protocol::Message& message, TimePoint now, std::vector<Outgoing>& out);
  void on_tuner(const std::string& identity, const protocol::Message& message, TimePoint now, std::vector<Outgoing>& out);
  // A send to this worker failed (it is gone): forget it now.
  void on_worker_unreachable(const std::string& identity, TimePoint now, std::vector<Outgoing>& out);
  // Heartbeats, worker expiry, result re-sends, orphan purge, dispatch.
  void tick(TimePoint now, std::vector<Outgoing>& out);
  // When tick() next has something to do.
  TimePoint next_deadline() const;

  std::uint64_t epoch() const { return epoch_; }
  BrokerStats stats() const;
  // Counters and gauges for /metrics (defined in broker_metrics.cpp).
  BrokerMetrics metrics() const;

 private:
  enum class JobState { Queued, Running, Done };
  struct JobEntry {
    protocol::Submit submit;
    std::string tuner;
    JobState state = JobState::Queued;
    std::uint32_t attempt = 0;        // dispatches so far
    std::uint32_t losses = 0;         // workers lost while holding it
    std::string worker;               // identity, while running
    bool cancelled = false;
    protocol::JobResult result;       // when done
    TimePoint done_at{};
    TimePoint dispatched_at{};        // of the current attempt (round-trip metric)
    TimePoint result_sent{};
    int resends = 0;                  // of the held result, bounded by max_result_resends
    std::string avoid;                // the worker it last ran out of GPU memory on
  };
  struct WorkerEntry {
    protocol::Ready ready;
    std::set<std::string> objectives;
    std::optional<std::string> job;   // the job it runs (ours or a stale one it came back with)
    TimePoint last_seen{};
    TimePoint idle_since{};
    int beats_without_job = 0;        // heartbeats naming another job than the one it holds
  };
  struct TunerEntry {
    TimePoint last_seen{};
    std::size_t jobs = 0;             // held for it: queued, running or done
  };

  void handle_ready(const std::string& identity, const protocol::Ready& ready, TimePoint now, std::vector<Outgoing>& out);
  void handle_result(const std::string& identity, const protocol::Result& result, TimePoint now, std::vector<Outgoing>& out);
  void handle_report(const std::string& identity, const protocol::Report& report, std::vector<Outgoing>& out);
  void handle_decision(const std::string& identity, const protocol::TrialDecision& decision, std::vector<Outgoing>& out);
  void rebind_tuner(JobEntry& job, const std::string& identity);
  void handle_submit(const std::string& identity, const protocol::Submit& submit, TimePoint now, std::vector<Outgoing>& out);
  void handle_heartbeat(WorkerEntry& worker, const protocol::Heartbeat& beat, TimePoint now, std::vector<Outgoing>& out);
  // Identities and job ids are taken by value: these calls erase map entries, and a reference
  // into a map (a key, say) must not outlive that.
  void forget_worker(std::string identity, bool lost, TimePoint now, std::vector<Outgoing>& out);
  // The job's worker no longer holds it: re-queue it, or fail it once it has lost too many.
  void release_job(std::string job_id, bool count_loss, const std::string& why, TimePoint now, std::vector<Outgoing>& out);
  void refuse_worker(const std::string& identity, const std::string& reason, std::vector<Outgoing>& out);
  void purge_silent_tuners(TimePoint now);
  void requeue(const std::string& job_id, bool front);
  void finish(JobEntry& job, protocol::Outcome outcome, TimePoint now, std::vector<Outgoing>& out);
  void send_result(JobEntry& job, TimePoint now, std::vector<Outgoing>& out);
  void dispatch(TimePoint now, std::vector<Outgoing>& out);
  protocol::JobStarted started_message(const std::string& job_id, const JobEntry& job) const;
  // Serves the job's objective and has the GPU memory its study asks for.
  static bool can_run(const WorkerEntry& worker, const protocol::Submit& submit);
  std::optional<std::string> idle_worker_for(const JobEntry& job) const;
  // Why no connected worker can run this submission ("" when one can), for the tuner to say at once.
  std::string why_unservable(const protocol::Submit& submit) const;
  void erase_job(std::string job_id);
  // A heartbeat to every tuner with the farm's size and its queued jobs (also sent at once when
  // a worker joins or leaves, so a tuner's status line shows the farm as it is).
  void heartbeat_tuners(std::vector<Outgoing>& out) const;

  BrokerConfig settings_;
  std::uint64_t epoch_;
  std::unordered_map<std::string, JobEntry> jobs_;
  std::map<std::string, std::deque<std::string>> queues_;  // study -> queued job ids
  std::string last_served_study_;                          // round-robin cursor
  std::unordered_map<std::string, WorkerEntry> workers_;
  std::unordered_map<std::string, TunerEntry> tuners_;
  TimePoint last_heartbeat_{};
  BrokerStats stats_;
  BrokerCounters counters_;  // outcomes by class, round-trip latency (broker_metrics.hpp)
  // Lines a peer can provoke at will (stale results, messages of the wrong direction) are
  // rate-limited so that a misbehaving or hostile peer cannot flood the log.
  RateLimit peer_noise_log_{10};
};

}  // namespace quante::broker
