#include "broker_metrics.hpp"

#include <fmt/format.h>

#include "broker_state.hpp"

namespace quante::broker {

std::vector<double> round_trip_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,    2.5,
          5,     10,     30,    60,   120,   300,  600, 900,  1800, 3600};
}

void BrokerCounters::count_outcome(const protocol::Outcome& outcome) {
  if (outcome.ok) {
    ++done_ok;
    return;
  }
  const auto index = static_cast<std::size_t>(outcome.failure);
  // A failure without a class (or of a class newer than this table) counts as the objective's.
  const bool known = index > 0 && index < kFailureClasses;
  ++failed[known ? index : static_cast<std::size_t>(protocol::FailureClass::Objective)];
}

std::string render_metrics(const BrokerMetrics& m) {
  PrometheusText w("quante_broker_");
  w.family("info", "gauge", "The running broker; its epoch fences results of earlier brokers.");
  w.sample("info", fmt::format("epoch=\"{:016x}\"", m.epoch), std::uint64_t{1});
  w.one("start_time_seconds", "gauge", "Unix time the broker started.", m.start_time_seconds);

  w.one("jobs_submitted_total", "counter", "Jobs accepted from tuners.", m.stats.submitted);
  w.one("jobs_dispatched_total", "counter", "Dispatches of jobs to workers (a re-queued job counts again).",
        m.stats.dispatched);
  w.one("jobs_done_total", "counter", "Jobs that finished with a loss, delivered to their tuner.",
        m.counters.done_ok);
  w.family("jobs_failed_total", "counter", "Jobs that finished failed, by failure class.");
  for (std::size_t c = 1; c < BrokerCounters::kFailureClasses; ++c)
    w.sample("jobs_failed_total", fmt::format("class=\"{}\"", protocol::to_string(static_cast<protocol::FailureClass>(c))),
             m.counters.failed[c]);
  w.one("jobs_requeued_total", "counter", "Jobs put back in the queue after their worker was lost or gave them up.",
        m.stats.requeued);
  w.one("jobs_reclaimed_total", "counter", "Jobs taken back from a live worker that stopped reporting them.",
        m.stats.jobs_reclaimed);
  w.one("jobs_purged_total", "counter", "Jobs and results dropped because their tuner was silent too long.",
        m.stats.jobs_purged);
  w.one("jobs_queued", "gauge", "Jobs waiting for a worker.", m.stats.queued);
  w.one("jobs_in_flight", "gauge", "Jobs running on a worker.", m.in_flight);
  w.one("results_unacknowledged", "gauge", "Results held until their tuner acknowledges them.",
        m.held_results);

  w.one("workers_connected", "gauge", "Workers registered.", m.stats.workers);
  w.one("workers_busy", "gauge", "Workers running a job.", m.workers_busy);
  w.family("workers", "gauge", "Workers registered, by objective served and GPU (-1: none); a worker counts once per objective.");
  for (const auto& [key, count] : m.workers)
    w.sample("workers", fmt::format("objective=\"{}\",gpu=\"{}\"", escape_label(key.first), key.second),
             count);
  w.one("workers_lost_total", "counter", "Workers that went silent or unreachable.", m.stats.workers_lost);
  w.one("workers_registered_total", "counter", "Worker registrations accepted (a worker that registers again counts again).",
        m.stats.workers_registered);

  w.histogram("round_trip_seconds", "Dispatch of a job to the arrival of its accepted result.", m.counters.round_trip);

  w.family("messages_refused_total", "counter", "Messages refused, by reason.");
  w.sample("messages_refused_total", "reason=\"submit_over_limit\"", m.stats.submits_refused);
  w.sample("messages_refused_total", "reason=\"worker_registration\"", m.stats.workers_refused);
  w.sample("messages_refused_total", "reason=\"unauthenticated\"", m.unauthenticated);
  w.family("messages_stale_total", "counter", "Results and rung reports of expired attempts, dropped.");
  w.sample("messages_stale_total", "kind=\"result\"", m.stats.stale_results);
  w.sample("messages_stale_total", "kind=\"report\"", m.stats.stale_reports);
  w.one("messages_malformed_total", "counter", "Messages that did not decode, dropped.", m.malformed);
  w.one("reports_total", "counter", "Rung reports passed from workers to tuners.", m.stats.reports);
  w.one("connections_refused_total", "counter", "CURVE handshakes refused (key not allow-listed).",
        m.connections_refused);
  return w.take();
}

// BrokerState::metrics() lives here, next to what it fills, so that the state machine's own
// file keeps only the lines that count.
BrokerMetrics BrokerState::metrics() const {
  BrokerMetrics m;
  m.epoch = epoch_;
  m.stats = stats();
  m.counters = counters_;
  for (const auto& [id, job] : jobs_) {
    if (job.state == JobState::Running) ++m.in_flight;
    else if (job.state == JobState::Done) ++m.held_results;
  }
  for (const auto& [id, w] : workers_) {
    if (w.job) ++m.workers_busy;
    for (const auto& objective : w.objectives) ++m.workers[{objective, w.ready.gpu}];
  }
  return m;
}

}  // namespace quante::broker
