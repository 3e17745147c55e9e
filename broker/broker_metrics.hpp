// The broker's Prometheus metrics: the counters the state machine keeps beside BrokerStats
// (outcomes by failure class, the dispatch-to-result latency histogram), the snapshot the broker
// loop publishes for the HTTP thread, and its rendering in the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Every name starts with
// quante_broker_; docs/metrics.md lists them.
//
// Why a snapshot: BrokerState is single-threaded and sans-IO. The loop copies what it shows
// into a BrokerMetrics on each heartbeat tick (a few hundred bytes plus one entry per objective
// and GPU) and the HTTP thread renders that copy, so a scrape never touches the state and
// costs the loop no formatting.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "broker_stats.hpp"
#include "prometheus_text.hpp"
#include "protocol.hpp"

namespace quante::broker {

// Dispatch to result: 1 ms to 1 h, roughly three buckets a decade.
std::vector<double> round_trip_buckets();

// Counted by BrokerState as jobs finish.
struct BrokerCounters {
  static constexpr std::size_t kFailureClasses = static_cast<std::size_t>(protocol::FailureClass::OutOfMemory) + 1;
  std::uint64_t done_ok = 0;
  std::array<std::uint64_t, kFailureClasses> failed{};  // by FailureClass; [None] stays 0
  Histogram round_trip{round_trip_buckets()};

  void count_outcome(const protocol::Outcome& outcome);
};

struct BrokerMetrics {
  std::uint64_t epoch = 0;
  double start_time_seconds = 0;  // Unix time the broker started
  BrokerStats stats;  // counters, and the queued jobs and connected workers
  BrokerCounters counters;
  // Gauges, read from the state when the snapshot is taken.
  std::size_t in_flight = 0, held_results = 0, workers_busy = 0;
  std::map<std::pair<std::string, std::int64_t>, std::size_t> workers;  // (objective, gpu) -> workers
  // Counted by the broker process around the state machine.
  std::uint64_t malformed = 0;            // messages that did not decode
  std::uint64_t unauthenticated = 0;      // CURVE: a message whose key may not say what it says
  std::uint64_t connections_refused = 0;  // CURVE: handshakes the ZAP handler refused
};

// The text exposition format, HELP and TYPE for every metric.
std::string render_metrics(const BrokerMetrics& metrics);

}  // namespace quante::broker
