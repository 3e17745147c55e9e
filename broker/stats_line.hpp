// The broker's counters as one line of JSON, logged once as it stops ("stats {...}"), so that
// tests and scripts read counts (workers lost, jobs re-queued, results completed) from a
// machine-readable line instead of searching the log's prose, which stays for humans.
// Keys are BrokerStats' field names; values are whole numbers.
#pragma once

#include <string>

#include <spdlog/fmt/fmt.h>

#include "broker_stats.hpp"

namespace quante::broker {

inline std::string stats_json(const BrokerStats& s) {
  return fmt::format(
      R"({{"submitted":{},"dispatched":{},"completed":{},"stale_results":{},"requeued":{},)"
      R"("workers_lost":{},"workers_registered":{},"workers_refused":{},"jobs_reclaimed":{},"jobs_purged":{},"submits_refused":{},)"
      R"("reports":{},"stale_reports":{},"out_of_memory_retries":{},"workers":{},"jobs":{},"queued":{}}})",
      s.submitted, s.dispatched, s.completed, s.stale_results, s.requeued, s.workers_lost, s.workers_registered, s.workers_refused,
      s.jobs_reclaimed, s.jobs_purged, s.submits_refused, s.reports, s.stale_reports, s.out_of_memory_retries,
      s.workers, s.jobs, s.queued);
}

}  // namespace quante::broker
