// The broker's counters as tests read them: from its Prometheus /metrics endpoint
// (docs/metrics.md), not from its log's prose, which stays for humans. The farm starts each
// broker with --metrics 127.0.0.1:0; the port the system picked is read from the broker's
// announcement ("metrics on http://127.0.0.1:PORT/metrics"), the documented way to learn it.
// The broker publishes its counters once a heartbeat, so a reading may be one heartbeat old:
// wait for a condition on it (wait_for_broker), never compare right after an event.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "process.hpp"

namespace quante::test {

// The metrics of docs/metrics.md that the tests wait on and count.
struct BrokerCounts {
  std::uint64_t workers_registered = 0;  // quante_broker_workers_registered_total (READYs accepted)
  std::uint64_t workers_connected = 0;   // quante_broker_workers_connected
  std::uint64_t workers_lost = 0;        // quante_broker_workers_lost_total
  std::uint64_t jobs_done = 0;           // quante_broker_jobs_done_total
};

// The port the broker announced for its metrics, 0 until it has (or when it serves none).
std::uint16_t logged_metrics_port(const ChildProcess& broker);
// The value of the sample `sample` ("name" or "name{label=\"value\"}", exactly as written) in
// exposition text; nullopt when there is no such line.
std::optional<double> metric_value(const std::string& exposition, const std::string& sample);
// One scrape of the broker's counters; nullopt when it serves no metrics yet, the scrape fails
// or a metric is missing.
std::optional<BrokerCounts> read_broker_counts(const ChildProcess& broker);
// Scrapes until `condition` holds on the counters (true) or the deadline passes (false).
bool wait_for_broker(const ChildProcess& broker, const std::function<bool(const BrokerCounts&)>& condition,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace quante::test
