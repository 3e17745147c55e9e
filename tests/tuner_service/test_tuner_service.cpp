// The tuner as a long-lived service, with real processes over ipc://: asynchronous batches keep
// every slot busy, a tuner killed with SIGKILL and restarted finishes with every evaluation
// exactly once, each stopping rule stops when it should, failures are recorded and survived,
// two tuners share one broker while each sees only its own results, and SIGTERM ends a run
// within seconds even in the middle of a long proposal.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <map>
#include <set>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "farm.hpp"

using namespace quante::test;
using namespace std::chrono_literals;

namespace {

std::string study(const std::string& name, const std::string& objective, int budget, int batch, const std::string& more = "",
                  const std::string& space_more = "", int initial = 4) {
  return "name = \"" + name + "\"\nobjective = \"" + objective + "\"\nbudget = " + std::to_string(budget) +
         "\nbatch = " + std::to_string(batch) + "\ninitial = " + std::to_string(initial) + "\nseed = 5\n" + more +
         "\n[space]\nx0 = { type = \"float\", low = -5.0, high = 10.0 }\n"
         "x1 = { type = \"float\", low = 0.0, high = 15.0 }\n" + space_more;
}

void require_exactly_once(const std::vector<nlohmann::json>& history, std::size_t budget) {
  REQUIRE(history.size() == budget);
  std::set<std::string> jobs;
  for (const auto& r : history) jobs.insert(r["job"].get<std::string>());
  REQUIRE(jobs.size() == budget);
}

std::string output_of(ChildProcess& p) { return p.log(); }

// Counts the sd_notify datagrams a child sends to NOTIFY_SOCKET=path.
class NotifyCounter {
 public:
  explicit NotifyCounter(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifyCounter() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  int count(const std::string& what) {
    char buffer[512];
    for (ssize_t n; (n = ::recv(fd_, buffer, sizeof buffer, 0)) > 0;)
      if (std::string(buffer, static_cast<std::size_t>(n)).find(what) != std::string::npos) ++seen_[what];
    return seen_[what];
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::map<std::string, int> seen_;
};

}  // namespace

TEST_CASE("async mode keeps every slot busy while the budget lasts", "[tuner][integration]") {
  Farm farm;
  farm.start_broker();
  for (int i = 0; i < 4; ++i) farm.start_worker({"slow=builtin:delay:branin"});
  REQUIRE(farm.wait_for_workers(4));
  // Durations vary 10x between points (300 ms to 3 s), long beside a proposal's milliseconds.
  auto tuner = farm.start_tuner(study("async", "slow", 20, 4, "", "duration_ms = { type = \"int\", low = 300, high = 3000 }\n"),
                                farm.history_path());
  REQUIRE(tuner->wait(180s) == 0);
  const auto history = read_history(farm.history_path());
  require_exactly_once(history, 20);
  // At each job's start (after the first batch, before the last batch), count the jobs running.
  std::vector<std::pair<double, double>> spans;
  for (const auto& r : history) spans.emplace_back(r["started_at"].get<double>(), r["finished_at"].get<double>());
  std::sort(spans.begin(), spans.end());
  double total = 0;
  int samples = 0;
  for (std::size_t k = 4; k + 4 < spans.size(); ++k) {
    const double t = spans[k].first;
    int running = 0;
    for (const auto& [start, end] : spans)
      if (start <= t && t < end) ++running;
    INFO("job " << k << " started with " << running << " running");
    CHECK(running >= 2);  // the slot that just freed is the one being filled
    total += running;
    ++samples;
  }
  // On average all four slots are busy at every start (3.5 allows for jobs that finish while a
  // proposal is being computed on a loaded machine).
  CHECK(total / samples >= 3.5);
}

TEST_CASE("queue_ahead has the next point waiting before a worker frees up", "[tuner][integration]") {
  const int queue_ahead = GENERATE(0, 1);
  Farm farm;
  farm.start_broker();
  for (int i = 0; i < 2; ++i) farm.start_worker({"slow=builtin:delay:branin"}, {"--name", "w" + std::to_string(i)});
  REQUIRE(farm.wait_for_workers(2));
  auto tuner = farm.start_tuner(study("ahead", "slow", 14, 2, "queue_ahead = " + std::to_string(queue_ahead),
                                      "duration_ms = { type = \"int\", low = 200, high = 600 }\n"),
                                farm.history_path());
  REQUIRE(tuner->wait(180s) == 0);
  const auto history = read_history(farm.history_path());
  require_exactly_once(history, 14);
  // On each worker, was the next job proposed before the previous one finished?
  std::map<std::string, std::vector<nlohmann::json>> by_worker;
  for (const auto& r : history) by_worker[r["worker"].get<std::string>()].push_back(r);
  int pairs = 0, proposed_before_free = 0;
  for (auto& [worker, jobs] : by_worker) {
    std::sort(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) { return a["started_at"] < b["started_at"]; });
    for (std::size_t k = 1; k < jobs.size(); ++k) {
      ++pairs;
      if (jobs[k]["proposed_at"].get<double>() < jobs[k - 1]["finished_at"].get<double>()) ++proposed_before_free;
    }
  }
  INFO("queue_ahead " << queue_ahead << ": " << proposed_before_free << " of " << pairs
                      << " jobs were proposed before their worker finished its previous job");
  REQUIRE(pairs >= 10);
  if (queue_ahead == 0) CHECK(proposed_before_free <= 2);  // the first batch's points only
  else CHECK(proposed_before_free >= pairs - 2);
}

TEST_CASE("a tuner killed with SIGKILL and restarted finishes with each evaluation exactly once",
          "[tuner][integration]") {
  Farm farm;
  farm.start_broker();
  farm.start_worker({"slow=builtin:delay:branin"});
  farm.start_worker({"slow=builtin:delay:branin"});
  const std::string text = study("resume", "slow", 16, 3, "", "duration_ms = { type = \"int\", low = 50, high = 150 }\n");
  for (std::size_t kill_at : {2u, 6u, 10u}) {
    auto tuner = farm.start_tuner(text, farm.history_path());
    REQUIRE(wait_until([&] { return count_lines(farm.history_path()) >= kill_at || !tuner->running(); }, 60s));
    REQUIRE(tuner->running());
    tuner->signal(SIGKILL);  // with jobs in flight
    REQUIRE(tuner->wait(5s) == 128 + SIGKILL);
  }
  auto tuner = farm.start_tuner(text, farm.history_path());
  REQUIRE(tuner->wait(120s) == 0);
  INFO(output_of(*tuner));
  const auto history = read_history(farm.history_path());
  require_exactly_once(history, 16);
  std::set<std::string> points;
  for (const auto& r : history) points.insert(r["params"].dump());
  CHECK(points.size() == 16);  // no point evaluated twice because of the crashes
  for (std::size_t i = 0; i < history.size(); ++i) CHECK(history[i]["index"].get<std::size_t>() == i);
}

TEST_CASE("a history from another study is refused", "[tuner][integration]") {
  Farm farm;
  farm.start_broker();
  farm.start_worker({"branin=builtin:branin"});
  auto first = farm.start_tuner(study("one", "branin", 4, 2), farm.history_path());
  REQUIRE(first->wait(60s) == 0);
  // Same file, another space.
  auto second = farm.start_tuner(study("one", "branin", 4, 2, "", "x2 = { type = \"float\", low = 0.0, high = 1.0 }\n"),
                                 farm.history_path());
  REQUIRE(second->wait(30s) != 0);
  CHECK_THAT(second->log(), Catch::Contains("belongs to another study"));
}

TEST_CASE("a second tuner on a history in use is refused with exit status 2, naming the holder", "[tuner][integration]") {
  Farm farm;
  farm.start_broker();  // no worker: the first tuner waits, holding the history
  auto first = farm.start_tuner(study("busy", "branin", 4, 2), farm.history_path());
  REQUIRE(wait_until([&] { return first->log().find("study busy") != std::string::npos; }, 20s));
  auto second = farm.start_tuner(study("busy", "branin", 4, 2), farm.history_path());
  REQUIRE(second->wait(30s) == 2);
  CHECK_THAT(second->log(), Catch::Contains("in use by another tuner") && Catch::Contains("pid " + std::to_string(first->pid())));
  CHECK(first->running());
  // Once the first is gone (even by SIGKILL) the history is free again.
  first->signal(SIGKILL);
  first->wait(10s);
  farm.start_worker({"branin=builtin:branin"});
  auto third = farm.start_tuner(study("busy", "branin", 4, 2), farm.history_path());
  REQUIRE(third->wait(60s) == 0);
  require_exactly_once(read_history(farm.history_path()), 4);
}

TEST_CASE("each stopping rule stops the study when it should", "[tuner][integration]") {
  Farm farm;
  farm.start_broker();
  farm.start_worker({"branin=builtin:branin", "slow=builtin:delay:branin"});

  SECTION("target") {
    // Strictly one evaluation at a time (no point queued ahead), so the stop is exact.
    auto t = farm.start_tuner(study("target", "branin", 60, 1, "queue_ahead = 0\n[stop]\ntarget = 20.0\n"),
                              farm.history_path());
    REQUIRE(t->wait(60s) == 0);
    const auto h = read_history(farm.history_path());
    REQUIRE(h.size() < 60);
    // Batch 1: the last evaluation is the first to reach the target.
    for (std::size_t i = 0; i + 1 < h.size(); ++i) CHECK(h[i]["loss"].get<double>() > 20.0);
    CHECK(h.back()["loss"].get<double>() <= 20.0);
    CHECK_THAT(t->log(), Catch::Contains("stopped by target"));
  }
  SECTION("patience") {
    auto t = farm.start_tuner(study("patience", "branin", 60, 1, "queue_ahead = 0\n[stop]\npatience = 3\n"),
                              farm.history_path());
    REQUIRE(t->wait(60s) == 0);
    const auto h = read_history(farm.history_path());
    REQUIRE(h.size() < 60);
    std::size_t best_at = 0;
    for (std::size_t i = 0; i < h.size(); ++i)
      if (h[i]["loss"].get<double>() < h[best_at]["loss"].get<double>()) best_at = i;
    CHECK(h.size() - 1 - best_at == 3);  // exactly 3 without improvement, then it stopped
    CHECK_THAT(t->log(), Catch::Contains("stopped by patience"));
  }
  SECTION("target, with a point queued ahead (the default)") {
    auto t = farm.start_tuner(study("target-ahead", "branin", 60, 1, "[stop]\ntarget = 20.0\n"), farm.history_path());
    REQUIRE(t->wait(60s) == 0);
    const auto h = read_history(farm.history_path());
    REQUIRE(h.size() < 60);
    std::size_t first_hit = h.size();
    for (std::size_t i = 0; i < h.size() && first_hit == h.size(); ++i)
      if (h[i]["loss"].get<double>() <= 20.0) first_hit = i;
    REQUIRE(first_hit < h.size());
    // Nothing new is proposed once it is met; the one point already queued may still finish
    // and is kept (its GPU time is spent), never more than that.
    CHECK(h.size() - 1 - first_hit <= 1);
    CHECK_THAT(t->log(), Catch::Contains("stopped by target"));
  }
  SECTION("max_seconds") {
    auto t = farm.start_tuner(study("clock", "slow", 500, 1, "[stop]\nmax_seconds = 1.0\n",
                                    "duration_ms = { type = \"int\", low = 100, high = 101 }\n"),
                              farm.history_path());
    REQUIRE(t->wait(60s) == 0);
    const auto h = read_history(farm.history_path());
    CHECK(h.size() >= 2);
    CHECK(h.size() < 40);
    CHECK_THAT(t->log(), Catch::Contains("stopped by max_seconds"));
  }
  SECTION("min_qei") {
    auto t = farm.start_tuner(study("qei", "branin", 60, 1, "queue_ahead = 0\n[stop]\nmin_qei = 1e9\n"), farm.history_path());
    REQUIRE(t->wait(60s) == 0);
    const auto h = read_history(farm.history_path());
    CHECK(h.size() == 4);  // the initial design, then the first qEI batch is below the threshold
    CHECK_THAT(t->log(), Catch::Contains("stopped by min_qei"));
  }
  SECTION("budget") {
    auto t = farm.start_tuner(study("budget", "branin", 7, 3), farm.history_path());
    REQUIRE(t->wait(60s) == 0);
    CHECK(read_history(farm.history_path()).size() == 7);
    CHECK_THAT(t->log(), Catch::Contains("stopped by budget"));
  }
}

TEST_CASE("failed evaluations are recorded with their reason and do not stop the study", "[tuner][integration]") {
  Farm farm;
  farm.start_broker();
  farm.start_worker({"flaky=exec:exec python3 " + std::string(QUANTE_SOURCE_DIR) + "/tests/tuner_service/failing_child.py"});
  auto t = farm.start_tuner(study("failing", "flaky", 14, 2, "timeout = 1.0\nretries = 0\n", "", 10), farm.history_path());
  REQUIRE(t->wait(120s) == 0);
  INFO(farm.workers[0]->log());
  const auto h = read_history(farm.history_path());
  require_exactly_once(h, 14);
  std::map<std::string, int> by_failure;
  for (const auto& r : h) {
    if (r["status"] == "ok") continue;
    CHECK(r["loss"].is_null());
    CHECK_FALSE(r["error"].get<std::string>().empty());
    const double x0 = r["params"]["x0"], x1 = r["params"]["x1"];
    const std::string failure = r["failure"];
    if (x1 > 12) CHECK(failure == "timeout");
    else if (x0 < 0) CHECK_THAT(r["error"].get<std::string>(), Catch::Contains("diverged"));
    ++by_failure[failure];
  }
  // The space-filling design covers all three regions.
  CHECK(by_failure["timeout"] >= 1);
  CHECK(by_failure["objective"] + by_failure["protocol"] >= 2);
  std::set<std::string> points;
  for (const auto& r : h) points.insert(r["params"].dump());
  CHECK(points.size() == 14);  // a failing point is never proposed again
}

TEST_CASE("a failed point is retried up to `retries` times", "[tuner][integration]") {
  Farm farm;
  farm.start_broker();
  farm.start_worker({"flaky=exec:exec python3 " + std::string(QUANTE_SOURCE_DIR) + "/tests/tuner_service/failing_child.py"});
  auto t = farm.start_tuner(study("retry", "flaky", 12, 1, "timeout = 1.0\nretries = 1\n", "", 6), farm.history_path());
  REQUIRE(t->wait(120s) == 0);
  const auto h = read_history(farm.history_path());
  REQUIRE(h.size() == 12);
  std::map<std::string, int> seen;
  for (const auto& r : h) ++seen[r["params"].dump()];
  int retried = 0;
  for (const auto& r : h)
    if (r.contains("retry")) {
      ++retried;
      CHECK(r["retry"] == 1);
      CHECK(seen[r["params"].dump()] == 2);
    }
  CHECK(retried >= 1);
  for (const auto& [point, n] : seen) CHECK(n <= 2);
}

TEST_CASE("two tuners share one broker and each gets exactly its own results", "[tuner][integration]") {
  Farm farm;
  farm.start_broker();
  farm.start_worker({"branin=builtin:branin", "hartmann6=builtin:hartmann6"});
  farm.start_worker({"branin=builtin:branin", "hartmann6=builtin:hartmann6"});
  REQUIRE(farm.wait_for_workers(2));
  std::string h6 = "name = \"h6\"\nobjective = \"hartmann6\"\nbudget = 14\nbatch = 2\ninitial = 6\nseed = 1\n[space]\n";
  for (int i = 0; i < 6; ++i) h6 += "x" + std::to_string(i) + " = { type = \"float\", low = 0.0, high = 1.0 }\n";
  auto a = farm.start_tuner(study("br", "branin", 14, 2), farm.history_path("a.jsonl"));
  auto b = farm.start_tuner(h6, farm.history_path("b.jsonl"));
  REQUIRE(a->wait(90s) == 0);
  REQUIRE(b->wait(90s) == 0);
  const auto ha = read_history(farm.history_path("a.jsonl"));
  const auto hb = read_history(farm.history_path("b.jsonl"));
  require_exactly_once(ha, 14);
  require_exactly_once(hb, 14);
  for (const auto& r : ha) CHECK(r["params"].size() == 2);
  for (const auto& r : hb) CHECK(r["params"].size() == 6);
  CHECK_THAT(a->log(), !Catch::Contains("unknown job"));
  CHECK_THAT(b->log(), !Catch::Contains("unknown job"));
}

TEST_CASE("SIGTERM ends a run within seconds even in the middle of a long proposal, which the watchdog outlives",
          "[tuner][integration]") {
  Farm farm;
  farm.start_broker();
  // A history of 1,500 evaluations written by hand and a batch of 256: on resume the first
  // proposal fits the GP on all of them and chooses 256 points together, which takes over a
  // minute here, far longer than the test. No worker is needed: the proposal starts at once.
  std::string history;
  for (int i = 0; i < 1500; ++i) {
    const double x0 = -5 + 15 * std::fmod(0.5 + i * 0.6180339887498949, 1.0);
    const double x1 = 15 * std::fmod(0.5 + i * 0.7548776662466927, 1.0);
    history += nlohmann::json{{"index", i}, {"job", "H" + std::to_string(i)}, {"params", {{"x0", x0}, {"x1", x1}}},
                              {"loss", (x0 - 1) * (x0 - 1) + (x1 - 2) * (x1 - 2)}, {"status", "ok"}, {"worker", "w"}}
                   .dump() +
               "\n";
  }
  write_file(farm.history_path(), history);
  // Under systemd with WatchdogSec, the watchdog must keep being pinged while the proposal runs.
  NotifyCounter notify(farm.dir().file("notify.sock"));
  ::setenv("NOTIFY_SOCKET", farm.dir().file("notify.sock").c_str(), 1);
  ::setenv("WATCHDOG_USEC", "400000", 1);
  auto tuner = farm.start_tuner(study("slow-proposal", "branin", 5000, 256, "queue_ahead = 0\n"), farm.history_path());
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  REQUIRE(wait_until([&] { return tuner->log().find("resuming study") != std::string::npos || !tuner->running(); }, 60s));
  const int pings_before = notify.count("WATCHDOG=1");
  REQUIRE(wait_until([&] { return notify.count("WATCHDOG=1") >= pings_before + 5 || !tuner->running(); }, 20s));
  REQUIRE(tuner->running());
  const auto signalled = std::chrono::steady_clock::now();
  tuner->signal(SIGTERM);
  REQUIRE(tuner->wait(20s) == 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
  INFO(tuner->log());
  CHECK(seconds < 3.0);
  CHECK_THAT(tuner->log(), Catch::Contains("stopped during a proposal") && Catch::Contains("stopped by signal"));
  CHECK(count_lines(farm.history_path()) == 1500);
}
