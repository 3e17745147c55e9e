// A loopback farm for integration tests: a real quante-broker, real quante-workers and a real
// quante-tuner, talking over ipc:// endpoints in a temporary folder, with fast heartbeats so
// that failures are noticed in a fraction of a second.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker_counts.hpp"
#include "process.hpp"

namespace quante::test {

class Farm {
 public:
  Farm();
  const TempDir& dir() const { return dir_; }
  std::string frontend() const { return "ipc://" + dir_.file("frontend"); }
  std::string backend() const { return "ipc://" + dir_.file("backend"); }
  // Heartbeat settings every process of the farm is started with.
  std::vector<std::string> heartbeat_args() const { return {"--heartbeat-ms", "100", "--liveness", "5"}; }

  // Serves its counters on --metrics 127.0.0.1:0 (broker_counts.hpp) unless `extra` sets
  // --metrics or --config itself (a test of either wants its own).
  ChildProcess& start_broker(std::vector<std::string> extra = {});
  // objective: NAME=SPEC
  ChildProcess& start_worker(const std::vector<std::string>& objectives, std::vector<std::string> extra = {});
  // The same, reaching the broker through `endpoint` (a relay, say) instead of its backend.
  ChildProcess& start_worker_via(const std::string& endpoint, const std::vector<std::string>& objectives,
                                 std::vector<std::string> extra = {});
  // Writes the study text into the folder and starts `quante-tuner run` on it.
  std::unique_ptr<ChildProcess> start_tuner(const std::string& study_toml, const std::string& history,
                                            std::vector<std::string> extra = {});
  // Waits until the broker has accepted `count` worker registrations (a worker that registers
  // again counts again).
  bool wait_for_workers(int count, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // The broker's counters now (nullopt until it serves them), and a wait for a condition on them.
  std::optional<BrokerCounts> broker_counts() const { return read_broker_counts(*broker); }
  bool wait_for_broker(const std::function<bool(const BrokerCounts&)>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
    return test::wait_for_broker(*broker, condition, timeout);
  }
  std::string history_path(const std::string& name = "history.jsonl") const { return dir_.file(name); }

  std::unique_ptr<ChildProcess> broker;
  std::vector<std::unique_ptr<ChildProcess>> workers;

 private:
  TempDir dir_;
  int started_ = 0;
};

std::vector<nlohmann::json> read_history(const std::string& path);

// Stops a process with SIGTERM (waiting up to 10 s) and returns the counters of the last
// `stats {...}` line it logged (the broker's closing line, broker/stats_line.hpp): counts come
// from there, not from searching log prose. An empty object when it logged none.
nlohmann::json stop_for_stats(ChildProcess& process);
// From those counters: the broker finished `jobs` jobs, lost no worker and re-queued nothing, so
// no job ran twice.
bool each_job_ran_once(const nlohmann::json& stats, int jobs);

}  // namespace quante::test
