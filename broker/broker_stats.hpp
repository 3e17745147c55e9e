// The broker's counters, kept by BrokerState as it handles messages: logged once as the closing
// stats line (stats_line.hpp) and shown on /metrics inside BrokerMetrics (broker_metrics.hpp), so
// both read the same fields and neither copies them one by one.
#pragma once

#include <cstddef>
#include <cstdint>

namespace quante::broker {

struct BrokerStats {
  std::uint64_t submitted = 0;
  std::uint64_t dispatched = 0;
  std::uint64_t completed = 0;         // results accepted and delivered to a tuner
  std::uint64_t stale_results = 0;     // late / duplicate / unknown results refused
  std::uint64_t requeued = 0;          // jobs put back after a worker was lost or gave up a job
  std::uint64_t workers_lost = 0;
  std::uint64_t workers_registered = 0;  // READYs accepted; a worker that registers again counts again
  std::uint64_t workers_refused = 0;   // READYs refused: duplicate name, bad name, farm full
  std::uint64_t jobs_reclaimed = 0;    // jobs a live worker stopped reporting, re-queued
  std::uint64_t jobs_purged = 0;       // queued jobs and held results of tuners silent too long
  std::uint64_t submits_refused = 0;   // broker full or the tuner over its share
  std::uint64_t reports = 0;           // rung reports passed from a worker to its tuner
  std::uint64_t stale_reports = 0;     // reports and decisions of expired attempts, dropped
  std::uint64_t out_of_memory_retries = 0;  // jobs queued again after running out of GPU memory
  std::size_t workers = 0;
  std::size_t jobs = 0;
  std::size_t queued = 0;
};

}  // namespace quante::broker
