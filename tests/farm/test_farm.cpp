// Integration: a real broker, real workers and a real tuner over ipc:// sockets complete
// studies, also when a worker is killed mid-job or an exec child crashes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <set>
#include <thread>

#include "farm.hpp"

using namespace quante::test;
using namespace std::chrono_literals;

namespace {

std::string branin_study(int budget, const std::string& objective = "branin", const std::string& extra_space = "",
                         const std::string& extra_top = "") {
  return "name = \"farm-test\"\nobjective = \"" + objective + "\"\nbudget = " + std::to_string(budget) +
         "\nbatch = 2\ninitial = 4\nseed = 3\n" + extra_top +
         "\n[space]\nx0 = { type = \"float\", low = -5.0, high = 10.0 }\n"
         "x1 = { type = \"float\", low = 0.0, high = 15.0 }\n" + extra_space;
}

// Every evaluation exactly once: as many records as the budget, no job id twice.
void require_exactly_once(const std::vector<nlohmann::json>& history, std::size_t budget) {
  REQUIRE(history.size() == budget);
  std::set<std::string> jobs;
  for (const auto& r : history) jobs.insert(r["job"].get<std::string>());
  REQUIRE(jobs.size() == budget);
  for (std::size_t i = 0; i < history.size(); ++i) REQUIRE(history[i]["index"].get<std::size_t>() == i);
}

}  // namespace

TEST_CASE("a broker, two workers and a tuner complete a study", "[farm][integration]") {
  Farm farm;
  farm.start_broker();
  farm.start_worker({"branin=builtin:branin"});
  farm.start_worker({"branin=builtin:branin"});
  REQUIRE(farm.wait_for_workers(2));
  auto tuner = farm.start_tuner(branin_study(12), farm.history_path());
  const auto code = tuner->wait(60s);
  INFO(tuner->log());
  REQUIRE(code == 0);
  const auto history = read_history(farm.history_path());
  require_exactly_once(history, 12);
  std::set<std::string> workers;
  for (const auto& r : history) {
    REQUIRE(r["status"] == "ok");
    REQUIRE(r["loss"].is_number());
    REQUIRE(r["params"]["x0"].get<double>() >= -5.0);
    REQUIRE(r["params"]["x0"].get<double>() <= 10.0);
    REQUIRE(r["finished_at"].get<double>() >= r["started_at"].get<double>());
    workers.insert(r["worker"].get<std::string>());
  }
  REQUIRE(workers.size() == 2);  // both workers were used
  REQUIRE(tuner->log().find("best loss") != std::string::npos);
  CHECK(tuner->log().find("no successful evaluation yet") == std::string::npos);
}

TEST_CASE("a worker killed with SIGKILL mid-job: the study still completes, each evaluation once",
          "[farm][integration]") {
  Farm farm;
  farm.start_broker();
  // Each job sleeps 300 ms, so a worker is almost always in the middle of one.
  auto& victim = farm.start_worker({"slow=builtin:delay:branin"});
  farm.start_worker({"slow=builtin:delay:branin"});
  const std::string space_extra = "duration_ms = { type = \"int\", low = 300, high = 301 }\n";
  auto tuner = farm.start_tuner(branin_study(10, "slow", space_extra), farm.history_path());
  REQUIRE(wait_until([&] { return count_lines(farm.history_path()) >= 2; }, 30s));
  victim.signal(SIGKILL);
  REQUIRE(victim.wait(5s) == 128 + SIGKILL);
  const auto code = tuner->wait(90s);
  INFO(tuner->log());
  INFO(farm.broker->log());
  REQUIRE(code == 0);
  const auto history = read_history(farm.history_path());
  require_exactly_once(history, 10);
  for (const auto& r : history) REQUIRE(r["status"] == "ok");
  const auto stats = stop_for_stats(*farm.broker);
  INFO(stats.dump());
  REQUIRE(stats.value("workers_lost", 0) == 1);  // the broker noticed
  REQUIRE(stats.value("requeued", 0) >= 1);      // and ran its job again
}

TEST_CASE("an exec child that crashes fails that job only, the next job succeeds", "[farm][integration]") {
  Farm farm;
  // The child answers its first job, then dies on its second; a fresh child takes the next.
  const std::string script = farm.dir().file("child.sh");
  write_file(script,
             "n=0\n"
             "while read -r line; do\n"
             "  n=$((n+1))\n"
             "  id=$(printf '%s' \"$line\" | sed 's/.*\"id\": *\"\\([^\"]*\\)\".*/\\1/')\n"
             "  if [ -e " + farm.dir().file("crashed") + " ] || [ $n -lt 2 ]; then\n"
             "    printf '{\"id\": \"%s\", \"loss\": %s}\\n' \"$id\" \"$n.5\"\n"
             "  else\n"
             "    touch " + farm.dir().file("crashed") + "; exit 3\n"
             "  fi\n"
             "done\n");
  // A liveness window (3 x 50 ms) far shorter than the worker's wait for a stop after a crash
  // (500 ms): the worker must keep heart-beating while it waits, or the broker declares it lost
  // and runs the crashed job again.
  const std::vector<std::string> fast = {"--heartbeat-ms", "50", "--liveness", "3"};
  farm.start_broker(fast);
  farm.start_worker({"flaky=exec:/bin/sh " + script}, fast);
  auto tuner = farm.start_tuner(branin_study(5, "flaky", "", "retries = 0\n"), farm.history_path());
  const auto code = tuner->wait(60s);
  INFO(tuner->log());
  INFO(farm.workers[0]->log());
  REQUIRE(code == 0);
  const auto history = read_history(farm.history_path());
  require_exactly_once(history, 5);
  int failed = 0;
  for (const auto& r : history) {
    if (r["status"] == "failed") {
      ++failed;
      REQUIRE(r["failure"] == "crashed");
      REQUIRE(r["loss"].is_null());
    }
  }
  REQUIRE(failed == 1);
  REQUIRE(history[1]["status"] == "failed");
  REQUIRE(history[2]["status"] == "ok");   // the next job went to a fresh child
  REQUIRE(farm.workers[0]->running());     // the worker lives on
  const auto stats = stop_for_stats(*farm.broker);
  INFO(stats.dump());
  REQUIRE(each_job_ran_once(stats, 5));
}

TEST_CASE("an exec child killed just before its worker's SIGTERM: the job is given back, not failed",
          "[farm][integration]") {
  // scancel and systemd's KillMode=mixed signal the child and the worker at once; the child's death
  // may reach the worker first. The worker waits a moment for the stop (heart-beating meanwhile)
  // and then gives the job back instead of reporting a crash.
  Farm farm;
  const std::string pid_file = farm.dir().file("child.pid");
  const std::string sleeper = farm.dir().file("sleeper.sh");
  write_file(sleeper, "while read -r line; do echo $$ > " + pid_file + "; sleep 30; done\n");
  const std::string answerer = farm.dir().file("answerer.sh");
  write_file(answerer,
             "while read -r line; do\n"
             "  id=$(printf '%s' \"$line\" | sed 's/.*\"id\": *\"\\([^\"]*\\)\".*/\\1/')\n"
             "  printf '{\"id\": \"%s\", \"loss\": 0.5}\\n' \"$id\"\n"
             "done\n");
  const std::vector<std::string> fast = {"--heartbeat-ms", "50", "--liveness", "3"};
  farm.start_broker(fast);
  auto& stopping = farm.start_worker({"flaky=exec:/bin/sh " + sleeper}, fast);
  REQUIRE(farm.wait_for_workers(1));
  auto tuner = farm.start_tuner(branin_study(1, "flaky", "", "retries = 0\n"), farm.history_path());
  REQUIRE(wait_until([&] { return !read_file(pid_file).empty(); }, 30s));
  const pid_t child = std::stoi(read_file(pid_file));
  REQUIRE(::kill(child, SIGKILL) == 0);
  std::this_thread::sleep_for(100ms);
  stopping.signal(SIGTERM);
  REQUIRE(stopping.wait(10s) == 0);
  INFO(stopping.log());
  CHECK_THAT(stopping.log(), Catch::Contains("giving job"));
  farm.start_worker({"flaky=exec:/bin/sh " + answerer}, fast);  // the job given back runs here
  REQUIRE(tuner->wait(60s) == 0);
  const auto history = read_history(farm.history_path());
  require_exactly_once(history, 1);
  REQUIRE(history[0]["status"] == "ok");
}

TEST_CASE("stop.confirm re-evaluates the best points through a real farm, beyond the budget", "[farm][integration]") {
  Farm farm;
  farm.start_broker();
  farm.start_worker({"branin=builtin:branin"});
  REQUIRE(farm.wait_for_workers(1));
  auto tuner = farm.start_tuner(branin_study(6, "branin", "", "[stop]\nconfirm = 2\n"), farm.history_path());
  const auto code = tuner->wait(60s);
  INFO(tuner->log());
  REQUIRE(code == 0);
  const auto history = read_history(farm.history_path());
  REQUIRE(history.size() == 8);
  std::vector<std::pair<double, std::string>> originals;
  for (std::size_t i = 0; i < 6; ++i) {
    REQUIRE_FALSE(history[i].contains("confirms"));
    originals.emplace_back(history[i]["loss"].get<double>(), history[i]["job"].get<std::string>());
  }
  std::sort(originals.begin(), originals.end());
  std::set<std::string> confirmed;
  for (std::size_t i = 6; i < 8; ++i) {
    REQUIRE(history[i]["status"] == "ok");
    confirmed.insert(history[i]["confirms"].get<std::string>());
  }
  CHECK(confirmed == std::set<std::string>{originals[0].second, originals[1].second});  // the two best
  CHECK_THAT(tuner->log(), Catch::Contains("confirmed: mean loss") && Catch::Contains("over 2 evaluations"));
  CHECK_THAT(tuner->log(), Catch::Contains("stopped by budget"));
}
