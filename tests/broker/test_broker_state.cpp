// The broker's state machine, driven with a fake clock (no sockets, no sleeping): dispatch,
// LRU, fairness, worker expiry and re-queue, fencing of stale results, the retry limit,
// result re-sends until acknowledged, cancel and re-submission after a tuner restart.
#include <algorithm>

#include <catch2/catch.hpp>

#include "broker_state.hpp"
#include "log_capture.hpp"

using namespace quante;
using namespace quante::broker;
using namespace quante::protocol;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kEpoch = 42;

struct Fixture {
  BrokerConfig settings;
  TimePoint now = TimePoint{} + 1000s;
  std::unique_ptr<BrokerState> state;
  std::vector<Outgoing> out;

  Fixture() {
    settings.heartbeat = 1000ms;
    settings.liveness = 3;
    settings.max_attempts = 3;
    state = std::make_unique<BrokerState>(settings, kEpoch);
  }
  void worker_ready(const std::string& id, const std::vector<std::string>& objectives, const std::string& running = "") {
    state->on_worker(id, Ready{"name-" + id, "host", -1, "", 1, objectives, running}, now, out);
  }
  void submit(const std::string& tuner, const std::string& job, const std::string& study = "s", const std::string& objective = "f") {
    state->on_tuner(tuner, Submit{job, study, objective, {{"x", 1.0}}, 0, 0}, now, out);
  }
  void result(const std::string& worker, const std::string& job, std::uint32_t attempt, std::uint64_t epoch = kEpoch) {
    Outcome o;
    o.job_id = job;
    o.ok = true;
    o.loss = 1.5;
    state->on_worker(worker, Result{o, attempt, epoch}, now, out);
  }
  void advance(std::chrono::milliseconds d) {
    now += d;
    state->tick(now, out);
  }
  template <typename T>
  std::vector<std::pair<std::string, T>> taken() {
    std::vector<std::pair<std::string, T>> found;
    std::vector<Outgoing> rest;
    for (auto& o : out) {
      if (auto* m = std::get_if<T>(&o.message)) found.emplace_back(o.identity, *m);
      else rest.push_back(std::move(o));
    }
    out = std::move(rest);
    return found;
  }
};

}  // namespace

TEST_CASE("a submitted job goes to an idle worker serving its objective and its result to the tuner", "[broker]") {
  Fixture f;
  f.worker_ready("w-other", {"g"});
  f.worker_ready("w1", {"f"});
  f.submit("t1", "J1");
  auto acks = f.taken<SubmitAck>();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].second.accepted);
  CHECK(acks[0].second.epoch == kEpoch);
  auto jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].first == "w1");
  CHECK(jobs[0].second.attempt == 1);
  CHECK(jobs[0].second.epoch == kEpoch);
  f.result("w1", "J1", 1);
  auto results = f.taken<JobResult>();
  REQUIRE(results.size() == 1);
  CHECK(results[0].first == "t1");
  CHECK(results[0].second.outcome.loss == 1.5);
  CHECK(f.state->stats().completed == 1);
}

TEST_CASE("jobs queue while no worker is idle, and go out least recently used first", "[broker]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.now += 1ms;
  f.worker_ready("w2", {"f"});
  f.submit("t", "J1");
  f.submit("t", "J2");
  f.submit("t", "J3");
  auto jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].first == "w1");  // idle longest
  CHECK(jobs[1].first == "w2");
  CHECK(f.state->stats().queued == 1);
  f.now += 1ms;
  f.result("w2", "J2", 1);
  jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].first == "w2");
  CHECK(jobs[0].second.job_id == "J3");
}

TEST_CASE("several studies share the workers in turn", "[broker]") {
  Fixture f;
  for (int i = 0; i < 4; ++i) f.submit("ta", "A" + std::to_string(i), "study-a");
  for (int i = 0; i < 4; ++i) f.submit("tb", "B" + std::to_string(i), "study-b");
  f.worker_ready("w1", {"f"});
  std::string served;
  for (int i = 0; i < 6; ++i) {
    auto jobs = f.taken<Job>();
    REQUIRE(jobs.size() == 1);
    served += jobs[0].second.study.back();
    f.result("w1", jobs[0].second.job_id, 1);
  }
  CHECK((served == "ababab" || served == "bababa"));
}

TEST_CASE("a silent worker is forgotten and its job re-queued with a new attempt", "[broker]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.submit("t", "J1");
  REQUIRE(f.taken<Job>().size() == 1);
  f.worker_ready("w2", {"f"});
  // w2 keeps beating, w1 falls silent.
  for (int i = 0; i < 4; ++i) {
    f.now += 1000ms;
    f.state->on_worker("w2", Heartbeat{}, f.now, f.out);
    f.state->tick(f.now, f.out);
  }
  auto jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].first == "w2");
  CHECK(jobs[0].second.attempt == 2);
  CHECK(f.state->stats().workers_lost == 1);
  // w1's late result (attempt 1) is refused as stale; w2's counts once.
  f.taken<Disconnect>();
  f.result("w1", "J1", 1);
  CHECK(f.taken<JobResult>().empty());
  CHECK(f.taken<Disconnect>().size() == 1);  // w1 is told to register again
  f.result("w2", "J1", 2);
  CHECK(f.taken<JobResult>().size() == 1);
  f.result("w2", "J1", 2);  // a duplicate
  CHECK(f.taken<JobResult>().empty());
  CHECK(f.state->stats().stale_results == 2);
}

TEST_CASE("results with the wrong attempt, epoch or worker are refused", "[broker]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.worker_ready("w2", {"f"});
  f.submit("t", "J1");
  auto jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  const std::string holder = jobs[0].first, other = holder == "w1" ? "w2" : "w1";
  f.result(other, "J1", 1);
  f.result(holder, "J1", 2);
  f.result(holder, "nope", 1);
  CHECK(f.taken<JobResult>().empty());
  f.result(holder, "J1", 1);
  CHECK(f.taken<JobResult>().size() == 1);
}

TEST_CASE("a result from another epoch is refused and the job runs again", "[broker]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.submit("t", "J1");
  REQUIRE(f.taken<Job>().size() == 1);
  f.result("w1", "J1", 1, kEpoch + 1);  // a previous broker's lease: never delivered
  CHECK(f.taken<JobResult>().empty());
  auto jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].second.attempt == 2);
  f.result("w1", "J1", 2);
  CHECK(f.taken<JobResult>().size() == 1);
}

TEST_CASE("a job that loses max_attempts workers is failed to its tuner as worker-lost", "[broker]") {
  Fixture f;
  f.submit("t", "J1");
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const std::string w = "w" + std::to_string(attempt);
    f.worker_ready(w, {"f"});
    auto jobs = f.taken<Job>();
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].second.attempt == static_cast<std::uint32_t>(attempt));
    f.state->on_worker_unreachable(w, f.now, f.out);
  }
  auto results = f.taken<JobResult>();
  REQUIRE(results.size() == 1);
  CHECK_FALSE(results[0].second.outcome.ok);
  CHECK(results[0].second.outcome.failure == FailureClass::WorkerLost);
}

TEST_CASE("a worker giving its job back on shutdown does not count as a loss", "[broker]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.submit("t", "J1");
  REQUIRE(f.taken<Job>().size() == 1);
  f.state->on_worker("w1", Disconnect{"stopping", "J1"}, f.now, f.out);
  f.worker_ready("w2", {"f"});
  auto jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].first == "w2");
  CHECK(f.state->stats().workers_lost == 0);
}

TEST_CASE("a reconnecting worker keeps the job it still runs", "[broker]") {
  Fixture f;
  f.worker_ready("old-socket", {"f"});
  f.submit("t", "J1");
  REQUIRE(f.taken<Job>().size() == 1);
  // Same worker name, new socket identity, still running J1.
  f.state->on_worker("new-socket", Ready{"name-old-socket", "host", -1, "", 1, {"f"}, "J1"}, f.now, f.out);
  CHECK(f.taken<Job>().empty());  // not dispatched again
  f.result("new-socket", "J1", 1);
  CHECK(f.taken<JobResult>().size() == 1);
}

TEST_CASE("results are re-sent until the tuner acknowledges them", "[broker]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.submit("t", "J1");
  f.taken<Job>();
  f.result("w1", "J1", 1);
  REQUIRE(f.taken<JobResult>().size() == 1);
  f.advance(f.settings.result_resend + 1ms);
  CHECK(f.taken<JobResult>().size() == 1);
  f.state->on_tuner("t", ResultAck{"J1"}, f.now, f.out);
  f.advance(f.settings.result_resend + 1ms);
  CHECK(f.taken<JobResult>().empty());
  CHECK(f.state->stats().jobs == 0);
}

TEST_CASE("a restarted tuner re-submits and gets the finished result", "[broker]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.submit("old-tuner", "J1");
  f.taken<Job>();
  f.result("w1", "J1", 1);
  f.out.clear();
  f.submit("new-tuner", "J1");
  auto results = f.taken<JobResult>();
  REQUIRE(results.size() == 1);
  CHECK(results[0].first == "new-tuner");
  CHECK(f.taken<Job>().empty());  // not run again
}

TEST_CASE("a cancelled queued job is never dispatched", "[broker]") {
  Fixture f;
  f.submit("t", "J1");
  f.state->on_tuner("t", Cancel{"J1"}, f.now, f.out);
  f.worker_ready("w1", {"f"});
  CHECK(f.taken<Job>().empty());
  CHECK(f.state->stats().jobs == 0);
}

TEST_CASE("heartbeats go to every worker and tuner once per interval", "[broker]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.submit("t", "J0", "s", "unserved");
  f.out.clear();
  f.advance(1000ms);
  auto beats = f.taken<Heartbeat>();
  REQUIRE(beats.size() == 2);
  for (const auto& [identity, beat] : beats) {
    CHECK(beat.epoch == kEpoch);
    if (identity == "t") {
      CHECK(beat.workers == 1);
      CHECK(beat.queued == 1);
    }
  }
  f.advance(10ms);
  CHECK(f.taken<Heartbeat>().empty());
}

TEST_CASE("a full broker refuses new jobs with a reason", "[broker]") {
  Fixture f;
  f.settings.max_jobs = 2;
  f.state = std::make_unique<BrokerState>(f.settings, kEpoch);
  f.submit("t", "J1");
  f.submit("t", "J2");
  f.submit("t", "J3");
  auto acks = f.taken<SubmitAck>();
  REQUIRE(acks.size() == 3);
  CHECK_FALSE(acks[2].second.accepted);
  CHECK(acks[2].second.error == "broker is full");
}

TEST_CASE("a repeated READY from the same socket keeps the job it was given", "[broker]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.submit("t", "J1");
  REQUIRE(f.taken<Job>().size() == 1);
  f.worker_ready("w1", {"f"});  // sent before our JOB reached it
  CHECK(f.taken<Job>().empty());
  CHECK(f.state->stats().workers_lost == 0);
  f.result("w1", "J1", 1);
  CHECK(f.taken<JobResult>().size() == 1);
}

TEST_CASE("a worker that finishes an older attempt frees the newer one to run again", "[broker]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.submit("t", "J1");
  REQUIRE(f.taken<Job>().size() == 1);
  // The broker lost track (w1 given back the job and re-registered) and gave it attempt 2,
  // which w1, still busy with attempt 1, refused.
  f.state->on_worker("w1", Disconnect{"", "J1"}, f.now, f.out);
  f.worker_ready("w1", {"f"});
  auto jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].second.attempt == 2);
  f.result("w1", "J1", 1);  // attempt 1 finishes: stale, and attempt 2 is queued again
  CHECK(f.taken<JobResult>().empty());
  jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].second.attempt == 3);
  f.result("w1", "J1", 3);
  CHECK(f.taken<JobResult>().size() == 1);
}

TEST_CASE("a peer that floods the broker with stale results or wrong-way messages cannot flood its log", "[broker]") {
  quante::test::LogCapture log;
  Fixture f;
  for (int i = 0; i < 1000; ++i) f.result("never-registered", "job-" + std::to_string(i), 1);
  f.worker_ready("w1", {"f"});
  for (int i = 0; i < 1000; ++i) f.state->on_worker("w1", Submit{"j", "s", "f", {}, 0, 0}, f.now, f.out);
  for (int i = 0; i < 1000; ++i) f.state->on_tuner("t1", Job{}, f.now, f.out);
  CHECK(f.state->stats().stale_results == 1000);  // every one counted
  // At most 10 lines a second for all of them together (the fake clock does not move the limiter's).
  const auto lines = log.count("stale result") + log.count("which only the broker sends");
  CHECK(lines >= 1);
  CHECK(lines <= 20);
  // Each stale result still gets the request to register again: the peer is told, not ignored.
  CHECK(f.taken<Disconnect>().size() == 1000);
}

TEST_CASE("tuners hear the farm's size at once when a worker joins or leaves", "[broker]") {
  Fixture f;
  f.submit("t1", "j1");
  f.taken<Heartbeat>();
  f.worker_ready("w1", {"g"});
  auto beats = f.taken<Heartbeat>();
  REQUIRE(beats.size() == 1);
  CHECK(beats[0].first == "t1");
  CHECK(beats[0].second.workers == 1);
  CHECK(beats[0].second.queued == 1);  // j1 waits: nobody serves objective f
  f.state->on_worker("w1", Disconnect{"bye", ""}, f.now, f.out);
  beats = f.taken<Heartbeat>();
  REQUIRE(beats.size() == 1);
  CHECK(beats[0].second.workers == 0);
}

// ---- Found by attacking the farm (issue 18) ----

TEST_CASE("a second live worker under a busy worker's name is refused, and nothing is read after an erase", "[broker][attack]") {
  // Was a SIGSEGV: forget_worker erased the entry whose key it had been handed by reference.
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.submit("t", "J1");
  REQUIRE(f.taken<Job>().size() == 1);
  // Another process (other pid) claims the name while w1 is alive.
  f.state->on_worker("intruder", Ready{"name-w1", "host", -1, "", 999, {"f"}, ""}, f.now, f.out);
  auto refusals = f.taken<Disconnect>();
  REQUIRE(refusals.size() == 1);
  CHECK(refusals[0].first == "intruder");
  CHECK(refusals[0].second.refused);
  CHECK(refusals[0].second.reason.find("in use") != std::string::npos);
  CHECK(f.state->stats().workers == 1);
  CHECK(f.state->stats().workers_refused == 1);
  f.result("w1", "J1", 1);  // w1 keeps its lease
  CHECK(f.taken<JobResult>().size() == 1);
}

TEST_CASE("a restarted worker process takes over its silent predecessor's name", "[broker][attack]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.submit("t", "J1");
  REQUIRE(f.taken<Job>().size() == 1);
  f.now += 2500ms;  // the old process died: silent for more than two heartbeats
  f.state->on_worker("w1-restarted", Ready{"name-w1", "host", -1, "", 2, {"f"}, ""}, f.now, f.out);
  CHECK(f.taken<Disconnect>().empty());
  CHECK(f.state->stats().workers == 1);
  CHECK(f.state->stats().workers_lost == 1);
  auto jobs = f.taken<Job>();  // the old process's job runs again on the new one
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].first == "w1-restarted");
  CHECK(jobs[0].second.attempt == 2);
}

TEST_CASE("many READYs under one name, from many sockets, never crash the broker", "[broker][attack]") {
  Fixture f;
  f.submit("t", "J1");
  for (int i = 0; i < 200; ++i) {
    const std::string id = "s" + std::to_string(i);
    // Alternate the same process reconnecting and other processes, busy and not.
    f.state->on_worker(id, Ready{"dup", "host", -1, "", 1 + (i % 3), {"f"}, i % 2 ? "J1" : ""}, f.now, f.out);
    if (i % 7 == 0) f.advance(3000ms);
  }
  CHECK(f.state->stats().workers <= 1);
}

TEST_CASE("a worker name that is not printable UTF-8 is refused", "[broker][attack]") {
  Fixture f;
  f.state->on_worker("w", Ready{"bad\xff\x1b[31mname", "host", -1, "", 1, {"f"}, ""}, f.now, f.out);
  auto refusals = f.taken<Disconnect>();
  REQUIRE(refusals.size() == 1);
  CHECK(refusals[0].second.refused);
  CHECK(refusals[0].second.reason.find("\\xff\\x1b") != std::string::npos);
  CHECK(f.state->stats().workers == 0);
}

TEST_CASE("workers beyond max_workers are refused and the farm keeps serving", "[broker][attack]") {
  Fixture f;
  f.settings.max_workers = 3;
  f.state = std::make_unique<BrokerState>(f.settings, kEpoch);
  for (int i = 0; i < 5; ++i) f.worker_ready("w" + std::to_string(i), {"f"});
  CHECK(f.state->stats().workers == 3);
  CHECK(f.taken<Disconnect>().size() == 2);
  f.submit("t", "J1");
  CHECK(f.taken<Job>().size() == 1);
}

TEST_CASE("a job a live worker stopped reporting is taken back after a few heartbeats", "[broker][attack]") {
  // Its result was lost on the way (refused as oversized, say): the worker is idle and says so.
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.submit("t", "J1");
  REQUIRE(f.taken<Job>().size() == 1);
  f.state->on_worker("w1", Heartbeat{0, "", 0, 0}, f.now, f.out);  // sent before the JOB arrived
  f.state->on_worker("w1", Heartbeat{0, "J1", 0, 0}, f.now, f.out);
  CHECK(f.state->stats().jobs_reclaimed == 0);
  for (int i = 0; i < f.settings.job_silence_beats - 1; ++i) f.state->on_worker("w1", Heartbeat{0, "", 0, 0}, f.now, f.out);
  CHECK(f.state->stats().jobs_reclaimed == 0);
  CHECK(f.taken<Job>().empty());
  f.state->on_worker("w1", Heartbeat{0, "", 0, 0}, f.now, f.out);
  CHECK(f.state->stats().jobs_reclaimed == 1);
  auto jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].second.attempt == 2);
  // The same again until max_attempts: then it fails to the tuner with the reason.
  for (int attempt = 2; attempt <= 3; ++attempt)
    for (int i = 0; i < f.settings.job_silence_beats; ++i) f.state->on_worker("w1", Heartbeat{0, "", 0, 0}, f.now, f.out);
  auto results = f.taken<JobResult>();
  REQUIRE(results.size() == 1);
  CHECK(results[0].second.outcome.failure == FailureClass::WorkerLost);
  CHECK(results[0].second.outcome.error.find("stopped reporting") != std::string::npos);
}

TEST_CASE("one tuner cannot take more than its share of the broker", "[broker][attack]") {
  Fixture f;
  f.settings.max_jobs = 100;
  f.settings.max_jobs_per_tuner = 10;
  f.state = std::make_unique<BrokerState>(f.settings, kEpoch);
  for (int i = 0; i < 50; ++i) f.submit("flooder", "F" + std::to_string(i), "flood", "nobody-serves-this");
  auto acks = f.taken<SubmitAck>();
  const auto accepted = std::count_if(acks.begin(), acks.end(), [](const auto& a) { return a.second.accepted; });
  CHECK(accepted == 10);
  CHECK(f.state->stats().submits_refused == 40);
  f.submit("honest", "H1");
  acks = f.taken<SubmitAck>();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].second.accepted);
  // Acknowledged results free the share.
  f.worker_ready("w1", {"f"});
  f.result("w1", "H1", 1);
  f.state->on_tuner("honest", ResultAck{"H1"}, f.now, f.out);
  CHECK(f.state->stats().jobs == 10);
}

TEST_CASE("what a tuner that left queued or never acknowledged is purged", "[broker][attack]") {
  Fixture f;
  f.settings.orphan_timeout = 20s;
  f.state = std::make_unique<BrokerState>(f.settings, kEpoch);
  f.worker_ready("w1", {"f"});
  for (int i = 0; i < 30; ++i) f.submit("leaver", "L" + std::to_string(i), "s", i == 0 ? "f" : "nobody");
  f.result("w1", "L0", 1);  // done, never acknowledged
  CHECK(f.state->stats().jobs == 30);
  // An honest tuner stays alive throughout.
  for (int s = 0; s < 25; ++s) {
    f.state->on_tuner("honest", Heartbeat{}, f.now, f.out);
    f.advance(1000ms);
    f.state->on_worker("w1", Heartbeat{}, f.now, f.out);
  }
  CHECK(f.state->stats().jobs == 0);
  CHECK(f.state->stats().jobs_purged == 30);
}

TEST_CASE("results of a live tuner that never acknowledges are re-sent a bounded number of times, then dropped", "[broker][attack]") {
  Fixture f;
  f.settings.orphan_timeout = 60s;
  f.settings.max_result_resends = 4;
  f.state = std::make_unique<BrokerState>(f.settings, kEpoch);
  f.worker_ready("w1", {"f"});
  f.submit("t", "J1");
  f.result("w1", "J1", 1);
  REQUIRE(f.taken<JobResult>().size() == 1);
  std::size_t resends = 0;
  for (int s = 0; s < 70; ++s) {
    f.state->on_tuner("t", Heartbeat{}, f.now, f.out);  // alive, but never acknowledges
    f.state->on_worker("w1", Heartbeat{}, f.now, f.out);
    f.advance(1000ms);
    resends += f.taken<JobResult>().size();
    if (s == 30) {
      CHECK(resends == 4);
      f.submit("t", "J1");  // a re-submission hands the held result over again
      CHECK(f.taken<JobResult>().size() == 1);
    }
  }
  CHECK(f.state->stats().jobs == 0);  // dropped after the orphan timeout
}

// ---- Step reports and decisions (early stopping) ----

TEST_CASE("rung reports reach the job's tuner and decisions its worker, fenced by attempt and epoch", "[broker][fidelity]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  Submit submit{"J1", "s", "f", {{"x", 1.0}}, 0, 0, 27, {1, 3, 9}};
  f.state->on_tuner("t1", submit, f.now, f.out);
  auto jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].second.max_steps == 27);
  CHECK(jobs[0].second.rungs == std::vector<std::int64_t>{1, 3, 9});
  f.state->on_worker("w1", Report{"J1", 1, kEpoch, 3, 0.5, {{"acc", 0.8}}}, f.now, f.out);
  auto reports = f.taken<TrialReport>();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].first == "t1");
  CHECK(reports[0].second.step == 3);
  CHECK(reports[0].second.loss == 0.5);
  CHECK(reports[0].second.worker == "name-w1");
  f.state->on_tuner("t1", TrialDecision{"J1", 1, 3, false}, f.now, f.out);
  auto decisions = f.taken<Decision>();
  REQUIRE(decisions.size() == 1);
  CHECK(decisions[0].first == "w1");
  CHECK_FALSE(decisions[0].second.go_on);
  // Stale: wrong attempt, wrong epoch, another worker, another tuner's decision.
  f.worker_ready("w2", {"f"});
  f.state->on_worker("w1", Report{"J1", 2, kEpoch, 9, 0.4, {}}, f.now, f.out);
  f.state->on_worker("w1", Report{"J1", 1, kEpoch + 1, 9, 0.4, {}}, f.now, f.out);
  f.state->on_worker("w2", Report{"J1", 1, kEpoch, 9, 0.4, {}}, f.now, f.out);
  f.state->on_tuner("t2", TrialDecision{"J1", 1, 9, false}, f.now, f.out);
  f.state->on_tuner("t1", TrialDecision{"J1", 2, 9, false}, f.now, f.out);
  CHECK(f.taken<TrialReport>().empty());
  CHECK(f.taken<Decision>().empty());
  CHECK(f.state->stats().stale_reports == 5);
  CHECK(f.state->stats().reports == 1);
}

TEST_CASE("a study that needs GPU memory runs only on workers whose GPU has it", "[broker][placement]") {
  Fixture f;
  auto ready_with_memory = [&](const std::string& id, std::int64_t mib) {
    Ready ready{"name-" + id, "host", 0, "gpu", 1, {"f"}, ""};
    ready.gpu_memory_mib = mib;
    f.state->on_worker(id, ready, f.now, f.out);
  };
  ready_with_memory("small", 8192);
  Submit big{"J1", "s", "f", {{"x", 1.0}}, 0, 0};
  big.min_gpu_memory_mib = 16384;
  f.state->on_tuner("t1", big, f.now, f.out);
  auto acks = f.taken<SubmitAck>();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].second.accepted);
  // Accepted and queued, and the tuner is told at once why nothing can run it.
  CHECK(acks[0].second.unservable ==
        "1 connected workers serve objective 'f' but none has 16384 MiB of GPU memory (the largest: 8192 MiB)");
  CHECK(f.taken<Job>().empty());

  ready_with_memory("large", 24576);
  auto jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].first == "large");

  // A study without a requirement uses any worker; an objective nobody serves is named.
  f.submit("t1", "J2");
  acks = f.taken<SubmitAck>();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].second.unservable.empty());
  jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].first == "small");
  f.submit("t1", "J3", "s2", "nobody");
  acks = f.taken<SubmitAck>();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].second.unservable == "no connected worker serves objective 'nobody' (2 workers connected)");
}

TEST_CASE("a job that ran out of GPU memory is retried on another worker, up to max_attempts", "[broker][placement]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.worker_ready("w2", {"f"});
  f.submit("t1", "J1");
  f.taken<SubmitAck>();
  auto first = f.taken<Job>();
  REQUIRE(first.size() == 1);
  auto out_of_memory = [&](const std::string& worker, std::uint32_t attempt) {
    Outcome o;
    o.job_id = "J1";
    o.failure = FailureClass::OutOfMemory;
    o.error = "CUDA out of memory";
    f.state->on_worker(worker, Result{o, attempt, kEpoch}, f.now, f.out);
  };
  std::string worker = first[0].first;
  for (std::uint32_t attempt = 1; attempt < 3; ++attempt) {
    out_of_memory(worker, attempt);
    CHECK(f.taken<JobResult>().empty());  // not the tuner's yet
    auto again = f.taken<Job>();
    REQUIRE(again.size() == 1);
    CHECK(again[0].first != worker);  // the other worker first
    CHECK(again[0].second.attempt == attempt + 1);
    worker = again[0].first;
  }
  out_of_memory(worker, 3);
  auto results = f.taken<JobResult>();
  REQUIRE(results.size() == 1);
  CHECK(results[0].second.outcome.failure == FailureClass::OutOfMemory);
  CHECK(results[0].second.attempts == 3);
  CHECK(f.state->stats().out_of_memory_retries == 2);
}

TEST_CASE("a job that ran out of memory goes back to the same worker when it is the only one", "[broker][placement]") {
  Fixture f;
  f.worker_ready("w1", {"f"});
  f.submit("t1", "J1");
  f.taken<SubmitAck>();
  REQUIRE(f.taken<Job>().size() == 1);
  Outcome o;
  o.job_id = "J1";
  o.failure = FailureClass::OutOfMemory;
  o.error = "CUDA out of memory";
  f.state->on_worker("w1", Result{o, 1, kEpoch}, f.now, f.out);
  auto again = f.taken<Job>();
  REQUIRE(again.size() == 1);
  CHECK(again[0].first == "w1");
}

TEST_CASE("a tuner that asks hears at each dispatch which worker and GPU run its job", "[broker][started]") {
  Fixture f;
  const std::map<std::string, std::pair<std::string, std::int64_t>> named{{"w1", {"host/gpu3", 3}},
                                                                          {"w2", {"node/job7_1", 0}}};
  for (const auto& [id, name] : named)
    f.state->on_worker(id, Ready{name.first, "host", name.second, "", 1, {"f"}, ""}, f.now, f.out);
  f.out.clear();
  // An older tuner does not ask: nothing new on its link.
  f.submit("t-old", "J-old");
  CHECK(f.taken<JobStarted>().empty());
  const auto old_jobs = f.taken<Job>();
  REQUIRE(old_jobs.size() == 1);

  Submit asking{"J1", "s", "f", {{"x", 1.0}}, 0, 0};
  asking.notify_started = true;
  f.state->on_tuner("t1", asking, f.now, f.out);
  const auto jobs = f.taken<Job>();
  REQUIRE(jobs.size() == 1);
  const std::string runs_j1 = jobs[0].first, other = old_jobs[0].first;
  REQUIRE(runs_j1 != other);
  auto started = f.taken<JobStarted>();
  REQUIRE(started.size() == 1);
  CHECK(started[0].first == "t1");
  CHECK(started[0].second.job_id == "J1");
  CHECK(started[0].second.attempt == 1);
  CHECK(started[0].second.worker == named.at(runs_j1).first);
  CHECK(started[0].second.gpu == named.at(runs_j1).second);

  // A restarted tuner re-submits the running job: it hears where it runs at once.
  f.state->on_tuner("t1-again", asking, f.now, f.out);
  started = f.taken<JobStarted>();
  REQUIRE(started.size() == 1);
  CHECK(started[0].first == "t1-again");
  CHECK(started[0].second.worker == named.at(runs_j1).first);

  // Its worker goes silent: the next attempt's start names the other worker.
  f.result(other, "J-old", 1);
  for (int i = 0; i < 3; ++i) {
    f.advance(1000ms);
    f.state->on_worker(other, Heartbeat{}, f.now, f.out);
  }
  f.advance(500ms);
  started = f.taken<JobStarted>();
  REQUIRE(started.size() == 1);
  CHECK(started[0].first == "t1-again");
  CHECK(started[0].second.attempt == 2);
  CHECK(started[0].second.worker == named.at(other).first);
  CHECK(started[0].second.gpu == named.at(other).second);
}
