// Early stopping through a real farm (issue 13): trials report learning curves through the
// worker, broker and tuner; the tuner's ASHA stops the losers; histories keep curves and the
// stopped status; nothing is lost or counted twice when the tuner, a worker or the broker is
// killed in the middle of a study.
#include <catch2/catch.hpp>

#include <csignal>
#include <set>

#include "farm.hpp"

using namespace quante::test;
using namespace std::chrono_literals;

namespace {

std::string curve_study(int budget, int batch, const std::string& scheduler = "asha", int step_ms = 0,
                        const std::string& objective = "curve") {
  std::string text = "name = \"fidelity\"\nobjective = \"" + objective + "\"\nbudget = " + std::to_string(budget) +
                     "\nbatch = " + std::to_string(batch) + "\ninitial = 4\nseed = 11\n"
                     "[fidelity]\nstep_max = 9\nstep_min = 1\neta = 3\nscheduler = \"" + scheduler + "\"\n"
                     "[space]\nx0 = { type = \"float\", low = -5.0, high = 10.0 }\n"
                     "x1 = { type = \"float\", low = 0.0, high = 15.0 }\n";
  if (step_ms > 0)
    text += "step_ms = { type = \"int\", low = " + std::to_string(step_ms) + ", high = " + std::to_string(step_ms + 1) + " }\n";
  return text;
}

struct Tally {
  int ok = 0, stopped = 0, failed = 0;
  long steps = 0;
};

// Exactly `budget` records, each job once; curves as promised; stopped trials stopped at one of
// `rungs` (ASHA's for step_max 9 and eta 3 unless told).
Tally check_history(const std::string& history, std::size_t budget, bool curves_expected = true,
                    const std::set<long>& rungs = {1, 3}) {
  const auto records = read_history(history);
  REQUIRE(records.size() == budget);
  std::set<std::string> jobs;
  Tally t;
  for (const auto& r : records) {
    INFO(r.dump());
    jobs.insert(r["job"].get<std::string>());
    const std::string status = r["status"];
    if (status == "failed") {
      ++t.failed;
      continue;
    }
    if (!curves_expected) {
      CHECK_FALSE(r.contains("curve"));
      ++t.ok;
      t.steps += 9;
      continue;
    }
    REQUIRE(r.contains("curve"));
    const auto& curve = r["curve"];
    REQUIRE(!curve.empty());
    long previous = 0;
    for (const auto& point : curve) {
      CHECK(point[0].get<long>() > previous);
      previous = point[0].get<long>();
    }
    t.steps += previous;
    if (status == "stopped") {
      ++t.stopped;
      const long at = r["stopped_at"];
      CHECK(rungs.count(at) == 1);
      CHECK(previous == at);
      CHECK(r["loss"] == curve.back()[1]);
    } else {
      REQUIRE(status == "ok");
      ++t.ok;
      CHECK(previous == 9);
    }
  }
  REQUIRE(jobs.size() == budget);
  return t;
}

std::size_t journal_reports(const std::string& history) {
  std::size_t n = 0;
  for (const auto& line : read_history(history + ".journal"))
    if (line.value("type", "") == "report") ++n;
  return n;
}

// A broker and `count` workers serving `objective` (NAME=SPEC), registered.
void start_farm(Farm& farm, const std::string& objective, int count) {
  farm.start_broker();
  for (int i = 0; i < count; ++i) farm.start_worker({objective});
  REQUIRE(farm.wait_for_workers(count));
}

// The study with nothing queued ahead: with one worker and batch 1, trials run one at a time and
// every rung contest is decided in the same order each run, so stop counts do not depend on timing.
std::string one_at_a_time(std::string study) {
  const std::string batch = "batch = 1\n";
  const auto at = study.find(batch);
  REQUIRE(at != std::string::npos);
  return study.replace(at, batch.size(), batch + "queue_ahead = 0\n");
}

// Runs `study` on the farm to its end (exit status 0 within `timeout`) and checks its history.
Tally run_to_end(Farm& farm, const std::string& study, std::size_t budget, std::chrono::seconds timeout,
                 bool curves_expected = true) {
  auto tuner = farm.start_tuner(study, farm.history_path());
  const auto code = tuner->wait(timeout);
  INFO(tuner->log());
  REQUIRE(code == 0);
  return check_history(farm.history_path(), budget, curves_expected);
}

}  // namespace

TEST_CASE("ASHA stops losing trials of builtin:curve through a real farm", "[fidelity][farm]") {
  Farm farm;
  start_farm(farm, "curve=builtin:curve:branin", 1);
  auto tuner = farm.start_tuner(one_at_a_time(curve_study(30, 1)), farm.history_path());
  const auto code = tuner->wait(180s);
  INFO(tuner->log());
  REQUIRE(code == 0);
  // The default model: one GP over (configuration, step) on every rung loss.
  CHECK_THAT(tuner->log(), Catch::Contains("model over (configuration, step)"));
  CHECK_THAT(tuner->log(), Catch::Contains("kernel decay"));  // ASHA's default joint kernel
  CHECK_THAT(tuner->log(), Catch::Contains("early stopping: asha, steps 1 to 9, eta 3, rungs 1, 3\n"));  // the study's eta
  const Tally t = check_history(farm.history_path(), 30);
  CHECK(t.stopped >= 8);     // with eta 3 most trials lose a rung contest
  // The first two trials at each rung always go on (no contest before min_trials_at_rung = 3 losses
  // are there); how many later ones win through to the end depends on the proposals.
  CHECK(t.ok >= 2);
  CHECK(t.steps < 30 * 9);   // what the same trials would have used at full length
  CHECK(journal_reports(farm.history_path()) >= 30);  // every trial reported at rung 1 at least
}

TEST_CASE("a Python exec child reports through quante_objective and stops when told", "[fidelity][farm]") {
  Farm farm;
  const std::string script = farm.dir().file("train.py");
  write_file(script,
             "import math, sys\n"
             "sys.path.insert(0, '" + std::string(QUANTE_SOURCE_DIR) + "/python')\n"
             "from quante_objective import serve, StopTrial\n"
             "def objective(params, gpu, report, max_steps=None):\n"
             "    x0, x1 = params['x0'], params['x1']\n"
             "    final = (x0 - 2.0) ** 2 + (x1 - 7.0) ** 2\n"
             "    loss = None\n"
             "    for step in range(1, max_steps + 1):\n"
             "        loss = final + 50.0 / step\n"
             "        if not report(step, loss, {'step_metric': float(step)}):\n"
             "            raise StopTrial\n"
             "    return loss\n"
             "if __name__ == '__main__':\n"
             "    serve(objective)\n");
  start_farm(farm, "py=exec:" + std::string(QUANTE_TEST_PYTHON) + " " + script, 1);
  const Tally t = run_to_end(farm, one_at_a_time(curve_study(16, 1, "asha", 0, "py")), 16, 180s);
  CHECK(t.stopped >= 4);
  CHECK(t.failed == 0);
}

TEST_CASE("a plugin of ABI 2 reports through its callback and stops when told, through a real farm", "[fidelity][farm]") {
  Farm farm;
  start_farm(farm, "plug=plugin:" + std::string(QUANTE_EXAMPLE_PLUGIN), 1);
  const Tally t = run_to_end(farm, one_at_a_time(curve_study(15, 1, "asha", 0, "plug")), 15, 180s);
  CHECK(t.stopped >= 3);
  CHECK(t.failed == 0);
}

TEST_CASE("a child that never reports runs full-length trials under [fidelity]", "[fidelity][farm]") {
  Farm farm;
  start_farm(farm, "plain=builtin:branin", 1);
  const Tally t = run_to_end(farm, curve_study(6, 1, "asha", 0, "plain"), 6, 120s, false);
  CHECK(t.ok == 6);
}

TEST_CASE("the mlp reports every epoch and stops when told through a real farm", "[fidelity][farm]") {
  Farm farm;
  start_farm(farm, "digits=builtin:mlp?data=" + std::string(QUANTE_SOURCE_DIR) +
                       "/data/digits.csv&label=label&val_fraction=0.25&device=cpu", 1);
  const std::string study =
      "name = \"mlp-fidelity\"\nobjective = \"digits\"\nbudget = 12\nbatch = 1\nqueue_ahead = 0\ninitial = 4\nseed = 3\n"
      "[fidelity]\nstep_max = 9\nscheduler = \"asha\"\n"  // eta left out: ASHA's default, 5
      "[space]\nlr = { type = \"float\", low = 1e-4, high = 1.0, log = true }\n"
      "width = { type = \"int\", low = 4, high = 64 }\n";
  auto tuner = farm.start_tuner(study, farm.history_path());
  const auto code = tuner->wait(300s);
  INFO(tuner->log());
  REQUIRE(code == 0);
  CHECK_THAT(tuner->log(), Catch::Contains("early stopping: asha, steps 1 to 9, eta 5 (the default with asha), rungs 1, 5"));
  const Tally t = check_history(farm.history_path(), 12, true, {1, 5});
  CHECK(t.stopped >= 2);
  for (const auto& r : read_history(farm.history_path()))
    if (r["status"] == "ok") CHECK(r["metrics"].contains("accuracy"));
}

TEST_CASE("a tuner killed mid-study resumes with every curve and rung decision", "[fidelity][farm][faults]") {
  Farm farm;
  start_farm(farm, "curve=builtin:curve:branin", 3);
  const std::string history = farm.history_path();
  const std::string study = curve_study(24, 3, "asha", 15);
  for (int kill = 0; kill < 3; ++kill) {
    auto tuner = farm.start_tuner(study, history);
    const std::size_t before = read_history(history).size();
    REQUIRE(wait_until([&] { return read_history(history).size() >= before + 3 || !tuner->running(); }, 120s));
    tuner->signal(SIGKILL);
    tuner->wait(10s);
  }
  auto tuner = farm.start_tuner(study, history);
  const auto code = tuner->wait(240s);
  INFO(tuner->log());
  REQUIRE(code == 0);
  const Tally t = check_history(history, 24);
  CHECK(t.stopped >= 4);
  // Each job reported each rung once: no decision was taken twice for the same step.
  std::set<std::pair<std::string, long>> seen;
  for (const auto& line : read_history(history + ".journal"))
    if (line.value("type", "") == "report")
      CHECK(seen.insert({line["job"].get<std::string>(), line["step"].get<long>()}).second);
}

TEST_CASE("a worker killed mid-trial: the trial runs again and the study ends with its budget", "[fidelity][farm][faults]") {
  Farm farm;
  farm.start_broker();
  auto& victim = farm.start_worker({"curve=builtin:curve:branin"});
  farm.start_worker({"curve=builtin:curve:branin"});
  REQUIRE(farm.wait_for_workers(2));
  const std::string history = farm.history_path();
  auto tuner = farm.start_tuner(curve_study(12, 2, "asha", 40), history);
  REQUIRE(wait_until([&] { return journal_reports(history) >= 3; }, 60s));
  victim.signal(SIGKILL);
  farm.start_worker({"curve=builtin:curve:branin"});
  const auto code = tuner->wait(240s);
  INFO(tuner->log());
  REQUIRE(code == 0);
  check_history(history, 12);
}

TEST_CASE("a broker restarted mid-trial: trials go on or run again, none lost or doubled", "[fidelity][farm][faults]") {
  Farm farm;
  start_farm(farm, "curve=builtin:curve:branin", 2);
  const std::string history = farm.history_path();
  auto tuner = farm.start_tuner(curve_study(10, 2, "hyperband", 40), history);
  REQUIRE(wait_until([&] { return journal_reports(history) >= 2; }, 60s));
  farm.broker->signal(SIGKILL);
  farm.broker->wait(10s);
  farm.start_broker();
  const auto code = tuner->wait(240s);
  INFO(tuner->log());
  REQUIRE(code == 0);
  check_history(history, 10);
  CHECK_THAT(tuner->log(), Catch::Contains("kernel stationary"));  // Hyperband's default joint kernel
  CHECK_THAT(tuner->log(), Catch::Contains("early stopping: hyperband, steps 1 to 9, eta 3, rungs 1, 3 (the first bracket's)"));
}

namespace {

struct FidelityRun {
  Tally tally;
  std::string log;  // the tuner's
};

// A one-at-a-time ASHA study of `budget` trials on one builtin:curve:branin worker, with
// `fidelity_line` added to its [fidelity] table, run to its end.
FidelityRun run_asha_with(const std::string& fidelity_line, int budget) {
  Farm farm;
  start_farm(farm, "curve=builtin:curve:branin", 1);
  std::string study = one_at_a_time(curve_study(budget, 1));
  study.insert(study.find("[space]"), fidelity_line + "\n");
  auto tuner = farm.start_tuner(study, farm.history_path());
  const auto code = tuner->wait(180s);
  INFO(tuner->log());
  REQUIRE(code == 0);
  return {check_history(farm.history_path(), static_cast<std::size_t>(budget)), tuner->log()};
}

}  // namespace

TEST_CASE("ASHA with the rung model (model_input = rung, BOHB) through a real farm", "[fidelity][farm]") {
  const FidelityRun run = run_asha_with("model_input = \"rung\"", 24);
  CHECK_THAT(run.log, !Catch::Contains("model over (configuration, step)"));
  CHECK(run.tally.stopped >= 4);
  CHECK(run.tally.steps < 24 * 9);
}

TEST_CASE("keep_probability: the joint model keeps trials the rule would stop, through a real farm", "[fidelity][farm]") {
  // A low bar, so that the model keeps some trial once a full-length loss exists: what is checked
  // is that its forecast reaches the rung decisions through the real tuner.
  const FidelityRun run = run_asha_with("keep_probability = 0.01", 30);
  CHECK_THAT(run.log, Catch::Contains("to beat the best full-length loss"));
}
