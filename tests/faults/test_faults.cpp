// Nothing lost: workers killed at random moments, the broker killed and restarted (briefly and
// for longer than the liveness period), a worker frozen with SIGSTOP and thawed, a poison job
// that kills every worker it lands on, a tuner that stops reading, and SIGTERM to each process.
// Every study ends with its history checked: exactly the budget, no job twice, none lost.
#include <catch2/catch.hpp>

#include <csignal>
#include <random>
#include <set>
#include <thread>

#include "farm.hpp"
#include "link_relay.hpp"

using namespace quante::test;
using namespace std::chrono_literals;

namespace {

std::string slow_study(const std::string& name, int budget, int batch, int min_ms, int max_ms, const std::string& more = "") {
  return "name = \"" + name + "\"\nobjective = \"slow\"\nbudget = " + std::to_string(budget) +
         "\nbatch = " + std::to_string(batch) + "\ninitial = 6\nseed = 2\nretries = 0\n" + more +
         "\n[space]\nx0 = { type = \"float\", low = -5.0, high = 10.0 }\nx1 = { type = \"float\", low = 0.0, high = 15.0 }\n"
         "duration_ms = { type = \"int\", low = " + std::to_string(min_ms) + ", high = " + std::to_string(max_ms) + " }\n";
}

void require_exactly_once(const std::string& path, std::size_t budget, bool all_ok = true) {
  const auto history = read_history(path);
  REQUIRE(history.size() == budget);
  std::set<std::string> jobs, points;
  for (const auto& r : history) {
    jobs.insert(r["job"].get<std::string>());
    points.insert(r["params"].dump());
    if (all_ok) CHECK(r["status"] == "ok");
  }
  REQUIRE(jobs.size() == budget);
  CHECK(points.size() == budget);
}

const std::vector<std::string> kSlow = {"slow=builtin:delay:branin"};

}  // namespace

TEST_CASE("workers killed with SIGKILL at random moments, and replaced", "[faults][integration]") {
  Farm farm;
  farm.start_broker();
  for (int i = 0; i < 3; ++i) farm.start_worker(kSlow);
  auto tuner = farm.start_tuner(slow_study("kills", 24, 3, 50, 250), farm.history_path());
  std::mt19937 rng(7);
  int kills = 0;
  while (tuner->running() && kills < 6) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 400));
    auto& victim = *farm.workers[rng() % farm.workers.size()];
    if (!victim.running()) continue;
    victim.signal(SIGKILL);
    victim.wait(5s);
    ++kills;
    farm.start_worker(kSlow);  // a new one joins, as systemd would restart it
  }
  REQUIRE(tuner->wait(120s) == 0);
  INFO(farm.broker->log());
  CHECK(kills >= 3);
  require_exactly_once(farm.history_path(), 24);
}

TEST_CASE("the broker killed mid-study and restarted on the same endpoints", "[faults][integration]") {
  const auto downtime = GENERATE(200ms, 2000ms);  // under, and well over, the liveness period (500 ms)
  Farm farm;
  farm.start_broker();
  farm.start_worker(kSlow);
  farm.start_worker(kSlow);
  auto tuner = farm.start_tuner(slow_study("broker-restart", 16, 2, 50, 150), farm.history_path());
  REQUIRE(wait_until([&] { return count_lines(farm.history_path()) >= 4; }, 60s));
  farm.broker->signal(SIGKILL);
  REQUIRE(farm.broker->wait(5s));
  std::this_thread::sleep_for(downtime);
  farm.start_broker();
  REQUIRE(tuner->wait(120s) == 0);
  INFO(tuner->log());
  require_exactly_once(farm.history_path(), 16);
  CHECK_THAT(tuner->log(), Catch::Contains("restarted") || Catch::Contains("reconnecting"));
}

TEST_CASE("a worker frozen with SIGSTOP loses its job to another, its late result is not counted",
          "[faults][integration]") {
  Farm farm;
  farm.start_broker();
  auto& frozen = farm.start_worker(kSlow);
  REQUIRE(farm.wait_for_workers(1));
  farm.start_worker(kSlow);
  REQUIRE(farm.wait_for_workers(2));
  auto tuner = farm.start_tuner(slow_study("stop-cont", 10, 2, 400, 600), farm.history_path());
  // Freeze the first worker in the middle of a job.
  REQUIRE(wait_until([&] { return frozen.log().find("job ") != std::string::npos; }, 30s));
  frozen.signal(SIGSTOP);
  REQUIRE(farm.wait_for_broker([](const BrokerCounts& c) { return c.workers_lost >= 1; }, 30s));
  std::this_thread::sleep_for(1s);
  frozen.signal(SIGCONT);
  REQUIRE(tuner->wait(120s) == 0);
  INFO(farm.broker->log());
  require_exactly_once(farm.history_path(), 10);
  // Its late result was refused as stale (or it came back and re-registered first).
  CHECK_THAT(farm.broker->log(), Catch::Contains("stale") || Catch::Contains("register again"));
}

TEST_CASE("the worker-broker link cut without a reset for 30 s: both sides notice, nothing counts twice",
          "[faults][integration]") {
  Farm farm;
  farm.start_broker();  // hears nothing from a worker for 5 x 100 ms: lost
  LinkRelay relay(farm.backend());
  // This worker waits 30 x 100 ms before giving up on the broker, so the job it is running when
  // the link is cut finishes first, and its result is written into the dead link.
  auto& cut_off = farm.start_worker_via(relay.endpoint(), kSlow,
                                        {"--name", "relayed", "--liveness", "30", "--reconnect-max-ms", "1000"});
  REQUIRE(farm.wait_for_workers(1));
  farm.start_worker(kSlow, {"--name", "direct"});
  REQUIRE(farm.wait_for_workers(2));
  // Long enough that the direct worker is still busy with the study when the link heals.
  auto tuner = farm.start_tuner(slow_study("link-cut", 40, 2, 1000, 1100), farm.history_path());
  REQUIRE(wait_until([&] { return cut_off.log().find("job ") != std::string::npos; }, 30s));
  relay.pause();
  const auto cut_at = std::chrono::steady_clock::now();
  // The direct worker is never lost: the loss is the relayed one's.
  CHECK(farm.wait_for_broker([](const BrokerCounts& c) { return c.workers_lost == 1; }, 5s));
  CHECK(wait_until([&] { return cut_off.log().find("done: loss") != std::string::npos; }, 5s));
  CHECK(wait_until([&] { return cut_off.log().find("broker silent") != std::string::npos; }, 10s));
  std::this_thread::sleep_until(cut_at + 30s);
  REQUIRE(tuner->running());  // the study is not over: the healed link carries traffic again
  const auto recorded_before_heal = count_lines(farm.history_path());
  relay.resume();
  REQUIRE(tuner->wait(120s) == 0);
  INFO(farm.broker->log());
  require_exactly_once(farm.history_path(), 40);
  // The result buffered in the dead link arrived once it healed, and was refused.
  CHECK_THAT(farm.broker->log(), Catch::Contains("stale result"));
  int after_heal_by_relayed = 0;
  const auto history = read_history(farm.history_path());
  for (std::size_t i = recorded_before_heal; i < history.size(); ++i)
    if (history[i]["worker"] == "relayed") ++after_heal_by_relayed;
  CHECK(after_heal_by_relayed >= 1);  // it rejoined and took work
  CHECK(relay.connections() >= 2);    // through a fresh connection
}

TEST_CASE("a poison job is failed to the tuner after the retry limit while other jobs keep flowing",
          "[faults][integration]") {
  Farm farm;
  farm.start_broker();
  const std::vector<std::string> objective = {std::string("poison=plugin:") + QUANTE_POISON_PLUGIN};
  farm.start_worker(objective);
  farm.start_worker(objective);
  const std::string study =
      "name = \"poison\"\nobjective = \"poison\"\nbudget = 8\nbatch = 2\ninitial = 8\nseed = 1\nretries = 0\n"
      "[space]\nx = { type = \"float\", low = -1.0, high = 1.0 }\nk = { type = \"int\", low = 0, high = 3 }\n";
  auto tuner = farm.start_tuner(study, farm.history_path());
  // Restart dead workers, as systemd would, until the study ends.
  REQUIRE(wait_until(
      [&] {
        for (auto& w : farm.workers)
          if (!w->running()) {
            w = nullptr;
          }
        std::erase(farm.workers, nullptr);
        while (farm.workers.size() < 2) farm.start_worker(objective);
        return !tuner->running();
      },
      180s));
  REQUIRE(tuner->wait(5s) == 0);
  const auto history = read_history(farm.history_path());
  REQUIRE(history.size() == 8);
  int poisoned = 0;
  for (const auto& r : history) {
    if (r["params"]["k"] == 0) {
      ++poisoned;
      CHECK(r["status"] == "failed");
      CHECK(r["failure"] == "worker-lost");
    } else {
      CHECK(r["status"] == "ok");
    }
  }
  CHECK(poisoned >= 1);
}

TEST_CASE("a tuner that stops reading gets every result once it reads again, the broker's memory stays bounded",
          "[faults][integration]") {
  Farm farm;
  farm.start_broker();
  for (int i = 0; i < 4; ++i) farm.start_worker(kSlow);
  REQUIRE(farm.wait_for_workers(4));
  auto tuner = farm.start_tuner(slow_study("slow-reader", 48, 16, 10, 40), farm.history_path());
  REQUIRE(wait_until([&] { return count_lines(farm.history_path()) >= 8; }, 60s));
  const long rss_before = resident_kib(farm.broker->pid());
  tuner->signal(SIGSTOP);
  // Every job in flight finishes and its result waits at the broker (at most batch + queue_ahead
  // of them), re-sent each interval into a socket nobody reads.
  std::this_thread::sleep_for(3s);
  const long rss_stalled = resident_kib(farm.broker->pid());
  tuner->signal(SIGCONT);
  REQUIRE(tuner->wait(120s) == 0);
  require_exactly_once(farm.history_path(), 48);
  INFO("broker RSS " << rss_before << " KiB before the stall, " << rss_stalled << " KiB during it");
  REQUIRE(rss_before > 0);
  CHECK(rss_stalled - rss_before < 16 * 1024);
}

TEST_CASE("SIGTERM stops each process cleanly, a worker stopped mid-job gives the job back", "[faults][integration]") {
  Farm farm;
  farm.start_broker();
  auto& stopping = farm.start_worker(kSlow);
  REQUIRE(farm.wait_for_workers(1));
  auto tuner = farm.start_tuner(slow_study("sigterm", 8, 1, 1500, 2000), farm.history_path());
  REQUIRE(wait_until([&] { return stopping.log().find("job ") != std::string::npos; }, 30s));
  stopping.signal(SIGTERM);
  REQUIRE(stopping.wait(10s) == 0);
  CHECK_THAT(stopping.log(), Catch::Contains("giving job"));
  farm.start_worker(kSlow);  // the job given back runs here
  REQUIRE(wait_until([&] { return count_lines(farm.history_path()) >= 2; }, 60s));
  tuner->signal(SIGTERM);
  REQUIRE(tuner->wait(10s) == 0);
  CHECK_THAT(tuner->log(), Catch::Contains("stopped by signal"));
  // It resumes later and finishes with each evaluation once.
  auto resumed = farm.start_tuner(slow_study("sigterm", 8, 1, 1500, 2000), farm.history_path());
  REQUIRE(resumed->wait(120s) == 0);
  require_exactly_once(farm.history_path(), 8);
  farm.broker->signal(SIGTERM);
  REQUIRE(farm.broker->wait(10s) == 0);
  farm.workers.back()->signal(SIGTERM);
  REQUIRE(farm.workers.back()->wait(10s) == 0);
}
