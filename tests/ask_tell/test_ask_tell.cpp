// quante-tuner as a user meets it in the first hour, each command a real process:
// - suggest journals what it hands out, so a second suggest hands out other points, and tell
//   records results against them (by job id or by parameters); report then counts them;
// - refused input exits 2 with the file, line or key named: an unknown --log-level, a corrupt
//   history line, a told job that was never suggested; a torn last line is dropped with a warning
//   naming the file and line;
// - list shows each history in a folder with its state (a run holding the lock is "running",
//   one stopped by SIGTERM "stopped", one that spent its budget "finished", suggest/tell "idle")
//   and its best;
// - on a farm, a study whose objective fails the same way every time stops after
//   max_failures_in_a_row with the error named, and objective_metric optimises a reported metric.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <set>

#include <nlohmann/json.hpp>

#include "farm.hpp"
#include "process.hpp"
#include "tuner_command.hpp"

using namespace quante::test;
using namespace std::chrono_literals;

namespace {

TunerCommandResult tuner(const TempDir& dir, std::vector<std::string> args) { return run_tuner_command(dir, std::move(args)); }

const char* kStudy =
    "name = \"ask-tell\"\nobjective = \"quadratic\"\nbudget = 30\ninitial = 4\nseed = 3\n"
    "[space]\nx = { type = \"float\", low = -5.0, high = 5.0 }\nn = { type = \"int\", low = 1, high = 8 }\n";

// The {"job": ..., "params": ...} lines of suggest's output.
std::vector<nlohmann::json> suggested(const std::string& output) {
  std::vector<nlohmann::json> out;
  std::size_t start = 0;
  while (start < output.size()) {
    const auto end = output.find('\n', start);
    const std::string line = output.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty() && line[0] == '{') out.push_back(nlohmann::json::parse(line));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string job_of(const nlohmann::json& suggestion) { return suggestion["job"].get<std::string>(); }

}  // namespace

TEST_CASE("suggest hands out pending points, tell records them, report counts them", "[ask_tell]") {
  TempDir dir;
  const std::string study = dir.file("study.toml"), history = dir.file("h.jsonl");
  write_file(study, kStudy);

  const TunerCommandResult first = tuner(dir, {"suggest", study, "--history", history, "--q", "3"});
  REQUIRE(first.status == 0);
  const auto a = suggested(first.output);
  REQUIRE(a.size() == 3);
  const TunerCommandResult second = tuner(dir, {"suggest", study, "--history", history, "--q", "3"});
  REQUIRE(second.status == 0);
  const auto b = suggested(second.output);
  REQUIRE(b.size() == 3);
  std::set<std::string> jobs, points;
  for (const auto* batch : {&a, &b})
    for (const auto& s : *batch) {
      jobs.insert(s["job"].get<std::string>());
      points.insert(s["params"].dump());
    }
  CHECK(jobs.size() == 6);
  CHECK(points.size() == 6);  // the second suggest did not hand out the first one's points again

  // By job id, with metrics; by parameters; a failure.
  TunerCommandResult told = tuner(dir, {"tell", study, "--history", history, "--job", job_of(a[0]), "--loss", "1.5", "--metrics",
                         "{\"accuracy\": 0.75}"});
  CHECK(told.status == 0);
  CHECK_THAT(told.output, Catch::Contains("recorded job " + a[0]["job"].get<std::string>()));
  told = tuner(dir, {"tell", study, "--history", history, "--params", a[1]["params"].dump(), "--loss", "0.25"});
  CHECK(told.status == 0);
  CHECK_THAT(told.output, Catch::Contains("recorded job " + a[1]["job"].get<std::string>()));
  told = tuner(dir, {"tell", study, "--history", history, "--job", job_of(b[0]), "--failed", "out of memory"});
  CHECK(told.status == 0);
  CHECK_THAT(told.output, Catch::Contains("3 points pending"));

  const auto records = read_history(history);
  REQUIRE(records.size() == 3);
  CHECK(records[0]["job"] == a[0]["job"]);
  CHECK(records[0]["params"] == a[0]["params"]);
  CHECK(records[0]["metrics"]["accuracy"] == 0.75);
  CHECK(records[1]["loss"] == 0.25);
  CHECK(records[2]["status"] == "failed");
  CHECK(records[2]["error"] == "out of memory");

  // Refused: a job told twice, a job never suggested, neither --loss nor --failed, bad --params.
  told = tuner(dir, {"tell", study, "--history", history, "--job", job_of(a[0]), "--loss", "1"});
  CHECK(told.status == 2);
  CHECK_THAT(told.output, Catch::Contains("already has a result"));
  told = tuner(dir, {"tell", study, "--history", history, "--job", "nope", "--loss", "1"});
  CHECK(told.status == 2);
  CHECK_THAT(told.output, Catch::Contains("job nope was never suggested"));
  told = tuner(dir, {"tell", study, "--history", history, "--job", job_of(a[2])});
  CHECK(told.status == 2);
  CHECK_THAT(told.output, Catch::Contains("--loss"));
  told = tuner(dir, {"tell", study, "--history", history, "--params", "{\"x\": 99}", "--loss", "1"});
  CHECK(told.status == 2);
  CHECK_THAT(told.output, Catch::Contains("--params"));
  CHECK(read_history(history).size() == 3);

  // The next suggest sees the told results and still avoids the pending points.
  const TunerCommandResult third = tuner(dir, {"suggest", study, "--history", history, "--q", "2"});
  REQUIRE(third.status == 0);
  for (const auto& s : suggested(third.output)) CHECK_FALSE(points.count(s["params"].dump()));

  // --log-level is taken after the subcommand as well as before it.
  const TunerCommandResult report = tuner(dir, {"report", study, "--history", history, "--plot", "none", "--csv", dir.file("h.csv"),
                                 "--log-level", "warn"});
  CHECK(report.status == 0);
  CHECK_THAT(report.output, Catch::Contains("evaluations  3: 2 ok, 1 failed"));
  CHECK_THAT(report.output, Catch::Contains("best         loss 0.25"));
  CHECK_THAT(read_file(dir.file("h.csv")), Catch::Contains(",accuracy\r\n"));
}

TEST_CASE("refused input exits 2 naming what is wrong, a torn last line is dropped with a warning", "[ask_tell]") {
  TempDir dir;
  const std::string study = dir.file("study.toml"), history = dir.file("h.jsonl");
  write_file(study, kStudy);

  for (const auto& command : std::vector<std::vector<std::string>>{
           {"--log-level", "verbose", "suggest", study, "--history", history},
           {"--log-level", "verbose", "report", study, "--history", history},
           {"--log-level", "loud", "run", study, "--broker", "ipc://" + dir.file("none")},
           {"run", study, "--broker", "ipc://" + dir.file("none"), "--log-level", "loud"}}) {
    const TunerCommandResult r = tuner(dir, command);
    CHECK(r.status == 2);
    CHECK_THAT(r.output, Catch::Contains("--log-level"));
  }

  const std::string good =
      "{\"index\": 0, \"job\": \"J1\", \"params\": {\"x\": 1.0, \"n\": 2}, \"loss\": 3.0, \"status\": \"ok\"}\n";
  write_file(history, good + "this is not JSON\n" + good);
  for (const char* command : {"suggest", "report"}) {
    const TunerCommandResult r = tuner(dir, {command, study, "--history", history});
    CHECK(r.status == 2);
    CHECK_THAT(r.output, Catch::Contains(history + ":2:"));
  }
  const TunerCommandResult run = tuner(dir, {"run", study, "--history", history, "--broker", "ipc://" + dir.file("none")});
  CHECK(run.status == 2);
  CHECK_THAT(run.output, Catch::Contains(history + ":2:"));

  // A torn last line: dropped, and said so with its file and line.
  write_file(history, good + "{\"index\": 1, \"job\": \"J2\", \"par");
  const TunerCommandResult report = tuner(dir, {"report", study, "--history", history, "--plot", "none"});
  CHECK(report.status == 0);
  CHECK_THAT(report.output, Catch::Contains(history + ":2: dropped an incomplete last line"));
  const TunerCommandResult suggest = tuner(dir, {"suggest", study, "--history", history});
  CHECK(suggest.status == 0);
  CHECK_THAT(suggest.output, Catch::Contains(history + ":2: dropped an incomplete last line"));
}

TEST_CASE("list shows each history's study, state and best", "[ask_tell][list]") {
  Farm farm;
  const auto& dir = farm.dir();
  farm.start_broker();
  farm.start_worker({"quadratic=builtin:noop"});
  REQUIRE(farm.wait_for_workers(1));

  // finished: a run that spent its budget.
  const std::string finished_study =
      "name = \"done-study\"\nobjective = \"quadratic\"\nbudget = 3\nbatch = 1\ninitial = 2\n"
      "[space]\nx = { type = \"float\", low = -5.0, high = 5.0 }\n";
  auto finished = farm.start_tuner(finished_study, dir.file("done.jsonl"));
  REQUIRE(finished->wait(60s) == 0);
  // idle: suggest only.
  write_file(dir.file("idle.toml"), kStudy);
  REQUIRE(tuner(dir, {"suggest", dir.file("idle.toml"), "--history", dir.file("idle.jsonl"), "--q", "2"}).status == 0);
  // running, then stopped: a run whose objective no worker serves holds its lock until SIGTERM.
  const std::string waiting_study =
      "name = \"waiting-study\"\nobjective = \"nobody-serves-this\"\nbudget = 3\n"
      "[space]\nx = { type = \"float\", low = -5.0, high = 5.0 }\n";
  auto waiting = farm.start_tuner(waiting_study, dir.file("waiting.jsonl"));
  REQUIRE(wait_until([&] { return tuner(dir, {"list", dir.path()}).output.find("waiting-study") != std::string::npos; }, 30s));

  TunerCommandResult list = tuner(dir, {"list", dir.path()});
  REQUIRE(list.status == 0);
  INFO(list.output);
  auto row = [&](const std::string& history) {
    const auto at = list.output.find(history);
    REQUIRE(at != std::string::npos);
    return list.output.substr(at, list.output.find('\n', at) - at);
  };
  CHECK_THAT(row("done.jsonl"), Catch::Contains("done-study") && Catch::Contains("finished") &&
                                    Catch::Contains("3 (0 failed)") && Catch::Contains("budget"));
  CHECK_THAT(row("idle.jsonl"), Catch::Contains("ask-tell") && Catch::Contains("idle") && Catch::Contains("2 pending"));
  CHECK_THAT(row("waiting.jsonl"), Catch::Contains("running") && Catch::Contains("pid " + std::to_string(waiting->pid())));

  waiting->signal(SIGTERM);
  REQUIRE(waiting->wait(30s) == 0);
  list = tuner(dir, {"list", dir.path()});
  CHECK_THAT(row("waiting.jsonl"), Catch::Contains("stopped") && Catch::Contains("signal"));

  CHECK(tuner(dir, {"list", dir.file("no-such-folder")}).status == 2);
}

TEST_CASE("a farm study stops after N identical failures, objective_metric optimises a metric", "[ask_tell][farm]") {
  Farm farm;
  const auto& dir = farm.dir();
  // An exec child: as "broken" it answers the same error every time; as "child" a loss and an
  // accuracy.
  write_file(dir.file("child.py"),
             "import json, sys\n"
             "for line in sys.stdin:\n"
             "    job = json.loads(line)\n"
             "    x = job['params']['x']\n"
             "    if len(sys.argv) > 1:\n"
             "        answer = {'id': job['id'], 'error': 'CUDA out of memory'}\n"
             "    else:\n"
             "        answer = {'id': job['id'], 'loss': x * x, 'metrics': {'accuracy': 1.0 - abs(x) / 10}}\n"
             "    sys.stdout.write(json.dumps(answer) + '\\n')\n"
             "    sys.stdout.flush()\n");
  farm.start_broker();
  farm.start_worker({"child=exec:python3 " + dir.file("child.py"), "broken=exec:python3 " + dir.file("child.py") + " broken"});
  REQUIRE(farm.wait_for_workers(1));

  SECTION("repeated failures") {
    auto run = farm.start_tuner(
        "name = \"broken\"\nobjective = \"broken\"\nbudget = 40\nbatch = 1\nretries = 0\n"
        "[stop]\nmax_failures_in_a_row = 4\n"
        "[space]\nx = { type = \"float\", low = -5.0, high = 5.0 }\n",
        dir.file("broken.jsonl"));
    const auto status = run->wait(60s);
    INFO(run->log());
    CHECK(status == 2);
    CHECK(read_history(dir.file("broken.jsonl")).size() == 4);
    CHECK_THAT(run->log(), Catch::Contains("4 evaluations in a row failed with the same error") && Catch::Contains("CUDA out of memory"));
    CHECK_THAT(run->log(), Catch::Contains("max_failures_in_a_row"));
  }
  SECTION("objective_metric") {
    auto run = farm.start_tuner(
        "name = \"metric\"\nobjective = \"child\"\nbudget = 6\nbatch = 2\ninitial = 4\n"
        "objective_metric = \"accuracy\"\ndirection = \"maximize\"\n"
        "[space]\nx = { type = \"float\", low = -5.0, high = 5.0 }\n",
        dir.file("metric.jsonl"));
    const auto status = run->wait(60s);
    INFO(run->log());
    CHECK(status == 0);
    const auto records = read_history(dir.file("metric.jsonl"));
    REQUIRE(records.size() == 6);
    double best = -1;
    for (const auto& r : records) {
      REQUIRE(r["status"] == "ok");
      CHECK(r["loss"] == r["metrics"]["accuracy"]);  // the record's loss is the metric
      CHECK(r["metrics"].contains("loss"));
      best = std::max(best, r["loss"].get<double>());
    }
    CHECK(best > 0.5);
    CHECK_THAT(run->log(), Catch::Contains("accuracy="));  // progress lines show metrics
  }
}
