// What an attack on the farm found, each reproduced through real processes (a real broker,
// workers and tuner on loopback, raw DEALER peers where an attacker needs one):
// - two workers under one name crashed the broker (a reference read after an erase);
// - a result the broker refuses (too many metrics) left its job running for ever;
// - a job a live worker stopped reporting was never taken back;
// - one tuner's flood filled the broker for every other study, and what it left was never purged;
// - a worker name that is not UTF-8 went raw into the log; the command line's refused input
//   exited with CLI11's codes (105, 106) instead of 2.
#include <catch2/catch.hpp>

#include <csignal>
#include <set>
#include <thread>

#include "farm.hpp"
#include "protocol.hpp"
#include "rogue.hpp"

using namespace quante;
using namespace quante::protocol;
using namespace quante::test;
using namespace std::chrono_literals;

namespace {

// `top`: more top-level keys (before the [space] table).
std::string branin_study(int budget, int batch, const std::string& objective = "branin", const std::string& top = "") {
  return "name = \"attack\"\nobjective = \"" + objective + "\"\nbudget = " + std::to_string(budget) +
         "\nbatch = " + std::to_string(batch) +
         "\ninitial = 4\nseed = 3\n" + top + "[space]\n"
         "x0 = { type = \"float\", low = -5.0, high = 10.0 }\n"
         "x1 = { type = \"float\", low = 0.0, high = 15.0 }\n";
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The study ends by itself with exactly its budget, each job once.
void require_finished(ChildProcess& tuner, const std::string& history, std::size_t budget) {
  const auto code = tuner.wait(120s);
  INFO(tuner.log());
  REQUIRE(code);
  REQUIRE(*code == 0);
  const auto records = read_history(history);
  REQUIRE(records.size() == budget);
  std::set<std::string> jobs;
  for (const auto& r : records) jobs.insert(r["job"].get<std::string>());
  REQUIRE(jobs.size() == budget);
}

}  // namespace

TEST_CASE("two workers under one name: the broker lives, one serves, the other takes over when it dies", "[attack]") {
  Farm farm;
  auto& broker = farm.start_broker();
  auto& first = farm.start_worker({"branin=builtin:delay:branin"}, {"--name", "same-name"});
  REQUIRE(farm.wait_for_workers(1));
  farm.start_worker({"branin=builtin:delay:branin"}, {"--name", "same-name"});
  REQUIRE(wait_until([&] { return broker.log().find("is in use by a live worker") != std::string::npos; }, 10s));
  const std::string history = farm.history_path();
  auto tuner = farm.start_tuner(branin_study(8, 2) + "duration_ms = { type = \"int\", low = 50, high = 51 }\n", history);
  // Halfway, the first dies; the second, backing off, registers once the name is free.
  REQUIRE(wait_until([&] { return read_history(history).size() >= 3; }, 60s));
  first.signal(SIGKILL);
  require_finished(*tuner, history, 8);
  REQUIRE(broker.running());
  CHECK(count_of(broker.log(), "worker same-name ready") >= 2);
}

TEST_CASE("a forged READY reusing a busy worker's name does not crash the broker or steal the job", "[attack]") {
  Farm farm;
  auto& broker = farm.start_broker();
  farm.start_worker({"branin=builtin:delay:branin"}, {"--name", "victim"});
  REQUIRE(farm.wait_for_workers(1));
  const std::string history = farm.history_path();
  auto tuner = farm.start_tuner(branin_study(6, 1) + "duration_ms = { type = \"int\", low = 300, high = 301 }\n", history);
  zmq::context_t context(1);
  for (int i = 0; i < 20; ++i) {
    Rogue rogue(context, farm.backend());
    rogue.send(Link::Worker, Ready{"victim", "evil-host", -1, "", 4242 + i, {"branin"}, ""});
    auto answer = rogue.receive(Link::Worker, 2s);
    REQUIRE(answer);
    REQUIRE(std::holds_alternative<Disconnect>(*answer));
    CHECK(std::get<Disconnect>(*answer).refused);
  }
  require_finished(*tuner, history, 6);
  REQUIRE(broker.running());
}

TEST_CASE("a result over the protocol's limits fails its job with the reason, the study goes on", "[attack]") {
  Farm farm;
  farm.start_broker();
  // An exec child whose answers carry 2,000 metrics (the broker's maps hold at most 1,000).
  const std::string child = farm.dir().file("metrics.py");
  write_file(child,
             "import json, sys\n"
             "for line in sys.stdin:\n"
             "    job = json.loads(line)\n"
             "    metrics = {'m%d' % i: float(i) for i in range(2000)}\n"
             "    print(json.dumps({'id': job['id'], 'loss': 1.0, 'metrics': metrics}), flush=True)\n");
  farm.start_worker({"branin=exec:python3 " + child});
  REQUIRE(farm.wait_for_workers(1));
  const std::string history = farm.history_path();
  auto tuner = farm.start_tuner(branin_study(3, 1, "branin", "retries = 0\n"), history);
  require_finished(*tuner, history, 3);
  for (const auto& r : read_history(history)) {
    // Either the worker cut the metrics to its limit (ok), or failed the job saying why: never stuck.
    if (r["status"] == "ok") CHECK(r["metrics"].size() <= 1000);
    else CHECK(r["error"].get<std::string>().find("limit") != std::string::npos);
  }
}

TEST_CASE("a job a live worker stopped reporting goes to another worker", "[attack]") {
  Farm farm;
  auto& broker = farm.start_broker();
  zmq::context_t context(1);
  // A rogue worker takes the job, then keeps heart-beating as if it had none.
  Rogue rogue(context, farm.backend());
  rogue.send(Link::Worker, Ready{"forgetful", "h", -1, "", 1, {"branin"}, ""});
  REQUIRE(farm.wait_for_workers(1));
  const std::string history = farm.history_path();
  auto tuner = farm.start_tuner(branin_study(1, 1), history);
  auto job = rogue.receive(Link::Worker, 20s);
  REQUIRE(job);
  REQUIRE(std::holds_alternative<Job>(*job));
  const std::string job_id = std::get<Job>(*job).job_id;
  // A real worker joins while the rogue still says it runs the job.
  farm.start_worker({"branin=builtin:branin"});
  REQUIRE(wait_until(
      [&] {
        rogue.send(Link::Worker, Heartbeat{0, job_id, 0, 0});
        const auto counts = farm.broker_counts();
        return counts && counts->workers_registered >= 2;
      },
      20s));
  // Now it keeps heart-beating as if it had no job.
  const bool reclaimed = wait_until(
      [&] {
        rogue.send(Link::Worker, Heartbeat{0, "", 0, 0});
        return broker.log().find("no longer reports job") != std::string::npos;
      },
      10s);
  REQUIRE(reclaimed);
  require_finished(*tuner, history, 1);
  CHECK(read_history(history)[0]["status"] == "ok");
}

TEST_CASE("one tuner's flood leaves room for other studies and is purged after it leaves", "[attack]") {
  Farm farm;
  auto& broker = farm.start_broker({"--max-jobs-per-tuner", "200", "--orphan-timeout-s", "2"});
  farm.start_worker({"branin=builtin:branin"});
  REQUIRE(farm.wait_for_workers(1));
  zmq::context_t context(1);
  {
    Rogue flooder(context, farm.frontend());
    int refused = 0;
    for (int i = 0; i < 1000; ++i)
      flooder.send(Link::Tuner, Submit{new_job_id(), "flood", "nobody-serves-this", {{"x", 1.0}}, 0, 0, 0, {}});
    for (int i = 0; i < 1000; ++i) {
      auto ack = flooder.receive(Link::Tuner, 5s);
      REQUIRE(ack);
      if (const auto* a = std::get_if<SubmitAck>(&*ack); a && !a->accepted) ++refused;
    }
    CHECK(refused == 800);
    // Meanwhile an honest study runs to its end.
    const std::string history = farm.history_path();
    auto tuner = farm.start_tuner(branin_study(6, 2), history);
    require_finished(*tuner, history, 6);
  }  // the flooder leaves
  REQUIRE(wait_until([&] { return broker.log().find("purged 200 jobs") != std::string::npos; }, 20s));
  REQUIRE(broker.running());
}

TEST_CASE("a worker name that is not UTF-8 is refused and logged escaped", "[attack]") {
  Farm farm;
  auto& broker = farm.start_broker();
  zmq::context_t context(1);
  Rogue rogue(context, farm.backend());
  rogue.send(Link::Worker, Ready{"evil\xff\x1b]0;pwned\x07", "h", -1, "", 1, {"branin"}, ""});
  auto answer = rogue.receive(Link::Worker, 5s);
  REQUIRE(answer);
  REQUIRE(std::holds_alternative<Disconnect>(*answer));
  CHECK(std::get<Disconnect>(*answer).refused);
  REQUIRE(wait_until([&] { return broker.log().find("evil\\xff\\x1b]0;pwned\\x07") != std::string::npos; }, 5s));
  CHECK(broker.log().find('\xff') == std::string::npos);
  CHECK(broker.log().find('\x1b') == std::string::npos);
}

TEST_CASE("thousands of fake workers are refused past max_workers and the broker's memory stays bounded", "[attack]") {
  Farm farm;
  auto& broker = farm.start_broker({"--max-workers", "64"});
  REQUIRE(wait_until([&] { return resident_kib(broker.pid()) > 0; }, 5s));
  zmq::context_t context(1);
  long peak = 0;
  int refused = 0;
  for (int round = 0; round < 5; ++round) {
    std::vector<std::unique_ptr<Rogue>> crowd;
    for (int i = 0; i < 100; ++i) {
      crowd.push_back(std::make_unique<Rogue>(context, farm.backend()));
      crowd.back()->send(Link::Worker, Ready{"fake-" + std::to_string(round) + "-" + std::to_string(i), "h", -1, "",
                                             1000 + i, {"x"}, ""});
    }
    // The refusals come back at once; the admitted hear nothing (heartbeats aside).
    std::vector<bool> answered(crowd.size(), false);
    int refused_now = 0;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (refused_now < 36 && std::chrono::steady_clock::now() < deadline) {
      for (std::size_t i = 0; i < crowd.size(); ++i) {
        if (answered[i]) continue;
        crowd[i]->send(Link::Worker, Heartbeat{});  // the admitted stay alive meanwhile
        auto answer = crowd[i]->receive(Link::Worker, 0ms);
        if (answer && std::holds_alternative<Disconnect>(*answer) && std::get<Disconnect>(*answer).refused) {
          answered[i] = true;
          ++refused_now;
        }
      }
      std::this_thread::sleep_for(20ms);
    }
    refused += refused_now;
    peak = std::max(peak, resident_kib(broker.pid()));
    for (auto& rogue : crowd) rogue->send(Link::Worker, Disconnect{"bye", "", false});
    // Gone, by their goodbye or (on a slow machine) by their silence. Registrations are counted
    // too, so that a reading from before this round's 64 joined cannot pass for their leaving.
    const auto admitted = static_cast<std::uint64_t>(64 * (round + 1));
    REQUIRE(farm.wait_for_broker(
        [&](const BrokerCounts& c) { return c.workers_registered == admitted && c.workers_connected == 0; }, 10s));
  }
  CHECK(refused == 5 * 36);  // 64 of each 100 admitted; they leave before the next round
  INFO("broker peak RSS " << peak << " KiB");
  CHECK(peak < 128 * 1024);
  REQUIRE(broker.running());
}

TEST_CASE("refused command-line input exits 2, not CLI11's own codes", "[attack]") {
  TempDir dir;
  const std::string bin = QUANTE_BIN_DIR;
  auto exit_code = [&](std::vector<std::string> argv) {
    ChildProcess p(std::move(argv), dir.file("cli.log"));
    return p.wait(20s);
  };
  CHECK(exit_code({bin + "/quante-broker", "--heartbeat-ms", "abc"}) == 2);
  CHECK(exit_code({bin + "/quante-broker", "--no-such-option"}) == 2);
  CHECK(exit_code({bin + "/quante-worker", "--liveness", "x", "--objective", "b=builtin:branin"}) == 2);
  CHECK(exit_code({bin + "/quante-tuner", "run", "x.toml", "--heartbeat-ms", "soon"}) == 2);
  CHECK(exit_code({bin + "/quante-keygen", "--bogus"}) == 2);
  CHECK(exit_code({bin + "/quante-broker", "--help"}) == 0);
}
