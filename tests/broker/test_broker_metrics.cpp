// The broker's metrics: the exposition writer's exact text for a small set (HELP/TYPE, labels,
// escaping, a cumulative histogram), and the counters and gauges BrokerState fills as jobs are
// submitted, dispatched, finished, failed and re-queued, driven with a fake clock.
#include <algorithm>

#include <catch2/catch.hpp>

#include "broker_metrics.hpp"
#include "broker_state.hpp"

using namespace quante;
using namespace quante::broker;
using namespace quante::protocol;
using namespace std::chrono_literals;

TEST_CASE("the exposition text of a small counter set, exactly", "[broker][metrics]") {
  PrometheusText w("q_");
  w.one("jobs_total", "counter", "Jobs.", std::uint64_t{12345678901234});
  w.family("workers", "gauge", "Workers by objective.");
  w.sample("workers", "objective=\"" + escape_label("a\"b\\c\nd") + "\",gpu=\"0\"", std::uint64_t{2});
  w.one("best", "gauge", "Best loss.", 0.25);
  Histogram h({0.1, 1, 10});
  h.observe(0.05);
  h.observe(0.1);  // le is inclusive
  h.observe(5);
  h.observe(100);
  w.histogram("latency_seconds", "Latency.", h);
  CHECK(w.take() ==
        "# HELP q_jobs_total Jobs.\n"
        "# TYPE q_jobs_total counter\n"
        "q_jobs_total 12345678901234\n"
        "# HELP q_workers Workers by objective.\n"
        "# TYPE q_workers gauge\n"
        "q_workers{objective=\"a\\\"b\\\\c\\\\x0ad\",gpu=\"0\"} 2\n"
        "# HELP q_best Best loss.\n"
        "# TYPE q_best gauge\n"
        "q_best 0.25\n"
        "# HELP q_latency_seconds Latency.\n"
        "# TYPE q_latency_seconds histogram\n"
        "q_latency_seconds_bucket{le=\"0.1\"} 2\n"
        "q_latency_seconds_bucket{le=\"1\"} 2\n"
        "q_latency_seconds_bucket{le=\"10\"} 3\n"
        "q_latency_seconds_bucket{le=\"+Inf\"} 4\n"
        "q_latency_seconds_sum 105.15\n"
        "q_latency_seconds_count 4\n");
}

TEST_CASE("the broker's rendering has every family once, with HELP and TYPE", "[broker][metrics]") {
  BrokerMetrics m;
  m.workers[{"branin", -1}] = 2;
  m.workers[{"mlp", 0}] = 1;
  m.counters.failed[static_cast<std::size_t>(FailureClass::Timeout)] = 3;
  const std::string text = render_metrics(m);
  CHECK(text.find("quante_broker_workers{objective=\"branin\",gpu=\"-1\"} 2\n") != std::string::npos);
  CHECK(text.find("quante_broker_workers{objective=\"mlp\",gpu=\"0\"} 1\n") != std::string::npos);
  CHECK(text.find("quante_broker_jobs_failed_total{class=\"timeout\"} 3\n") != std::string::npos);
  CHECK(text.find("quante_broker_jobs_failed_total{class=\"none\"}") == std::string::npos);
  CHECK(text.find("quante_broker_round_trip_seconds_bucket{le=\"3600\"} 0\n") != std::string::npos);
  for (const char* family : {"jobs_done_total", "jobs_queued", "jobs_in_flight", "jobs_requeued_total",
                             "messages_refused_total", "messages_stale_total", "messages_malformed_total",
                             "workers_registered_total"}) {
    const std::string type = std::string("# TYPE quante_broker_") + family + " ";
    CHECK(text.find(type) != std::string::npos);
    CHECK(text.find(type) == text.rfind(type));
  }
  CHECK(text.back() == '\n');
}

TEST_CASE("BrokerState counts jobs through dispatch, result, failure and re-queue", "[broker][metrics]") {
  BrokerConfig settings;
  settings.heartbeat = 1000ms;
  settings.liveness = 3;
  BrokerState state(settings, 7);
  std::vector<Outgoing> out;
  TimePoint now = TimePoint{} + 1000s;
  state.on_worker("w1", Ready{"one", "host", 0, "", 1, {"f", "g"}, ""}, now, out);
  state.on_worker("w2", Ready{"two", "host", 1, "", 2, {"f"}, ""}, now, out);
  for (const char* job : {"J1", "J2", "J3"}) state.on_tuner("t", Submit{job, "s", "f", {{"x", 1.0}}, 0, 0}, now, out);

  BrokerMetrics m = state.metrics();
  CHECK(m.stats.submitted == 3);
  CHECK(m.in_flight == 2);
  CHECK(m.stats.queued == 1);
  CHECK(m.stats.workers == 2);
  CHECK(m.stats.workers_registered == 2);
  CHECK(m.workers_busy == 2);
  CHECK(m.workers.at({"f", 0}) == 1);
  CHECK(m.workers.at({"f", 1}) == 1);
  CHECK(m.workers.at({"g", 0}) == 1);

  // Which worker got which job (least recently used first: either order).
  auto dispatched = [&] {
    std::vector<std::pair<std::string, std::string>> jobs;  // worker, job
    for (const auto& o : out)
      if (const auto* job = std::get_if<Job>(&o.message)) jobs.emplace_back(o.identity, job->job_id);
    out.clear();
    return jobs;
  };
  const auto first = dispatched();
  REQUIRE(first.size() == 2);
  const auto& [busy, done_job] = first[0];
  const std::string lost_job = first[1].second;  // its worker goes silent
  auto outcome = [](const std::string& job, bool ok) {
    Outcome o;
    o.job_id = job;
    o.ok = ok;
    o.loss = 1;
    if (!ok) o.failure = FailureClass::Timeout;
    return o;
  };

  // `busy` answers its job after 2.5 s, gets the queued J3 and fails it 10 ms later (timeout).
  now += 2500ms;
  state.on_worker(busy, Result{outcome(done_job, true), 1, 7}, now, out);
  const auto second = dispatched();
  REQUIRE(second.size() == 1);
  CHECK(second[0].first == busy);
  now += 10ms;
  state.on_worker(busy, Result{outcome(second[0].second, false), 1, 7}, now, out);
  // A result of an attempt that does not exist is stale.
  state.on_worker(busy, Result{outcome(done_job, true), 9, 7}, now, out);
  // The other worker goes silent: its job is re-queued (and goes to `busy`).
  now += 3500ms;
  state.on_worker(busy, Heartbeat{7, "", 0, 0}, now, out);
  state.tick(now, out);
  const auto third = dispatched();
  REQUIRE(third.size() == 1);
  CHECK(third[0] == std::make_pair(busy, lost_job));

  m = state.metrics();
  CHECK(m.counters.done_ok == 1);
  CHECK(m.counters.failed[static_cast<std::size_t>(FailureClass::Timeout)] == 1);
  CHECK(m.stats.stale_results == 1);
  CHECK(m.stats.requeued == 1);
  CHECK(m.stats.workers_lost == 1);
  CHECK(m.stats.workers_registered == 2);  // a loss does not undo a registration
  CHECK(m.stats.workers == 1);
  CHECK(m.in_flight == 1);
  CHECK(m.held_results == 2);  // J1 and J3 wait for the tuner's acknowledgement
  const auto& h = m.counters.round_trip;
  REQUIRE(h.count() == 2);
  CHECK(h.sum() == Approx(2.51));
  // 2.5 s falls in le="2.5"; 0.01 s (J3 dispatched when the first result came) in le="0.01".
  const auto index_of = [&](double bound) {
    return static_cast<std::size_t>(std::find(h.bounds().begin(), h.bounds().end(), bound) - h.bounds().begin());
  };
  CHECK(h.counts()[index_of(2.5)] == 1);
  CHECK(h.counts()[index_of(0.01)] == 1);
}
