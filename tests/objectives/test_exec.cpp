// exec objectives against real child processes (children/child.py picks a behaviour per job from
// the param "do"; children/answer42.sh is a plain sh child). Waits are conditions with deadlines.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <functional>
#include <thread>

#include "log_capture.hpp"
#include "process.hpp"
#include "objectives/exec.hpp"
#include "objectives/result_limits.hpp"
#include "recording_reporter.hpp"

using namespace quante::worker;
using quante::test::wait_until;
using namespace std::chrono_literals;
using quante::Params;
using quante::test::RecordingReporter;

namespace {

const std::string kChildren = std::string(QUANTE_SOURCE_DIR) + "/tests/objectives/children/";
// "exec": the shell (dash) would otherwise stay as python's parent, and a SIGSEGV would show as
// the shell's "exited with status 139".
const std::string kChild = "exec " + std::string(QUANTE_TEST_PYTHON) + " " + kChildren + "child.py";

std::unique_ptr<ExecObjective> make_exec(std::chrono::milliseconds timeout = 10s, int gpu = -1,
                                         const std::string& command = kChild) {
  ObjectiveContext context;
  context.timeout = timeout;
  context.gpu = gpu;
  return std::make_unique<ExecObjective>(command, context);
}

Params job(const std::string& what, Params more = {}) {
  more["do"] = what;
  return more;
}

// A process that is gone, or a zombie (dead, waiting for someone else to reap it).
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] == 'Z';
}

double metric(const Evaluation& evaluation, const std::string& name) {
  const auto it = evaluation.metrics.find(name);
  return it == evaluation.metrics.end() ? -1000.0 : it->second;
}

void require_ok(const Evaluation& evaluation) {
  INFO(evaluation.error);
  REQUIRE(evaluation.ok);
  REQUIRE(evaluation.failure == FailureKind::None);
}

}  // namespace

TEST_CASE("exec: one child answers many jobs", "[exec]") {
  auto exec = make_exec();
  CHECK(exec->describe() == "exec:" + kChild);
  const pid_t pid = exec->child_pid();
  CHECK(pid > 0);
  double child_pid = 0;
  for (int i = 1; i <= 5; ++i) {
    const auto evaluation =
        exec->evaluate("J" + std::to_string(i),
                       {{"a", std::int64_t{i}}, {"b", 0.5}, {"act", std::string("relu")}});
    require_ok(evaluation);
    CHECK(evaluation.loss == Approx(i + 0.5));
    CHECK(metric(evaluation, "jobs") == i);  // the same child counts on
    if (i == 1) child_pid = metric(evaluation, "pid");
    CHECK(metric(evaluation, "pid") == child_pid);
    CHECK(metric(evaluation, "gpu") == -1);
    CHECK(metric(evaluation, "quante_gpu") == -1);
    CHECK(evaluation.metrics.count("not_a_number") == 0);
  }
  CHECK(exec->child_pid() == pid);
}

TEST_CASE("exec: the gpu reaches the job line and the child's environment", "[exec]") {
  auto exec = make_exec(10s, 3);
  const auto evaluation = exec->evaluate("J1", job("answer"));
  require_ok(evaluation);
  CHECK(metric(evaluation, "gpu") == 3);
  CHECK(metric(evaluation, "quante_gpu") == 3);
  CHECK(metric(evaluation, "cuda_visible_devices") == 3);
}

TEST_CASE("exec: a plain sh child works through make_objective", "[exec]") {
  auto made = make_objective("exec:sh " + kChildren + "answer42.sh", {});
  REQUIRE(made);
  for (const char* id : {"J1", "J2", "J3"}) {
    const auto evaluation = (*made)->evaluate(id, {{"x", 1.0}});
    require_ok(evaluation);
    CHECK(evaluation.loss == 42.0);
  }
}

TEST_CASE("exec: a child that dies fails its job, and a fresh child takes the next", "[exec]") {
  auto exec = make_exec();
  require_ok(exec->evaluate("J1", job("answer")));
  const pid_t first = exec->child_pid();

  const auto died = exec->evaluate("J2", job("exit", {{"code", std::int64_t{3}}}));
  CHECK_FALSE(died.ok);
  CHECK(died.failure == FailureKind::Crashed);
  CHECK_THAT(died.error, Catch::Contains("exited with status 3"));
  CHECK_THAT(died.error, Catch::Contains("exiting on purpose"));  // its last stderr line
  CHECK(process_gone(first));

  const auto next = exec->evaluate("J3", job("answer"));
  require_ok(next);
  CHECK(metric(next, "jobs") == 1);  // a fresh child
  CHECK(exec->child_pid() != first);

  const auto segv = exec->evaluate("J4", job("segv"));
  CHECK(segv.failure == FailureKind::Crashed);
  CHECK_THAT(segv.error, Catch::Contains("killed by signal 11 (SIGSEGV)"));
  require_ok(exec->evaluate("J5", job("answer")));
}

TEST_CASE("exec: the child's own errors and non-finite losses keep the child", "[exec]") {
  auto exec = make_exec();
  require_ok(exec->evaluate("J1", job("answer")));
  const pid_t pid = exec->child_pid();

  const auto error = exec->evaluate("J2", job("error"));
  CHECK(error.failure == FailureKind::Objective);
  CHECK(error.error == "no good");

  const auto nan = exec->evaluate("J3", job("nan"));
  CHECK_FALSE(nan.ok);
  CHECK(nan.failure == FailureKind::Objective);
  CHECK(nan.error == "loss is NaN");

  const auto inf = exec->evaluate("J4", job("inf"));
  CHECK(inf.failure == FailureKind::Objective);
  CHECK(inf.error == "loss is infinite");

  const auto after = exec->evaluate("J5", job("answer"));
  require_ok(after);
  CHECK(metric(after, "jobs") == 5);
  CHECK(exec->child_pid() == pid);
}

TEST_CASE("exec: garbage answers are protocol failures and restart the child", "[exec]") {
  auto exec = make_exec();
  struct Case {
    const char* what;
    const char* says;
  };
  for (const Case& c :
       {Case{"garbage", "not JSON: this is not json"},
        Case{"string_loss", "\"loss\" is not a number"},
        Case{"no_loss", "neither \"loss\" nor \"error\""}, Case{"huge", "longer than 1 MiB"}}) {
    INFO(c.what);
    const pid_t pid = exec->child_pid();
    const auto bad = exec->evaluate(std::string("J-") + c.what, job(c.what));
    CHECK_FALSE(bad.ok);
    CHECK(bad.failure == FailureKind::Protocol);
    CHECK_THAT(bad.error, Catch::Contains(c.says));
    CHECK(exec->child_pid() != pid);
    CHECK(process_gone(pid));
    const auto next = exec->evaluate(std::string("J-after-") + c.what, job("answer"));
    require_ok(next);
    CHECK(metric(next, "jobs") == 1);
  }
}

TEST_CASE("exec: a hang or a partial line times out, and the group is killed", "[exec]") {
  auto exec = make_exec(500ms);
  require_ok(exec->evaluate("J0", job("answer")));

  SECTION("hang") {
    const pid_t pid = exec->child_pid();
    const auto started = std::chrono::steady_clock::now();
    const auto hung = exec->evaluate("J1", job("hang"));
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(hung.failure == FailureKind::Timeout);
    CHECK_THAT(hung.error, Catch::Contains("no answer within 500 ms"));
    CHECK_THAT(hung.error, Catch::Contains("killed by signal 9 (SIGKILL)"));
    CHECK(took >= 500ms);
    CHECK(took < 3s);
    CHECK(process_gone(pid));
  }
  SECTION("partial line") {
    const auto partial = exec->evaluate("J1", job("partial"));
    CHECK(partial.failure == FailureKind::Timeout);
    CHECK_THAT(partial.error, Catch::Contains("unfinished line: {\"id\": \"J1\", \"loss\": 1.0"));
  }
  SECTION("grandchildren die with the child") {
    const std::string pidfile = "/tmp/quante-test-grandchild-" + std::to_string(::getpid());
    const auto hung = exec->evaluate("J1", job("spawn_hang", {{"pidfile", pidfile}}));
    CHECK(hung.failure == FailureKind::Timeout);
    std::ifstream in(pidfile);
    pid_t grandchild = 0;
    in >> grandchild;
    std::remove(pidfile.c_str());
    REQUIRE(grandchild > 0);
    CHECK(wait_until([&] { return process_gone(grandchild); }, 5s));
  }
  const auto next = exec->evaluate("J2", job("answer"));
  require_ok(next);
  CHECK(metric(next, "jobs") == 1);
}

TEST_CASE("exec: a child that closes its stdout fails as crashed", "[exec]") {
  auto exec = make_exec(10s);
  const auto closed = exec->evaluate("J1", job("close_stdout"));
  CHECK(closed.failure == FailureKind::Crashed);
  require_ok(exec->evaluate("J2", job("answer")));
}

TEST_CASE("exec: stderr goes to the log, however much of it", "[exec]") {
  quante::test::LogCapture log;
  auto exec = make_exec();
  // 2 MB of stderr before the answer: a child blocked on a full stderr pipe would time out.
  const auto noisy = exec->evaluate("J1", job("stderr", {{"lines", std::int64_t{20000}}}));
  require_ok(noisy);
  require_ok(exec->evaluate("J2", job("say", {{"text", std::string("hello from the child")}})));
  CHECK(log.wait_for("noise 019999", 5s));
  CHECK(log.wait_for("hello from the child", 5s));
  CHECK(log.count("noise 0") == 20000);
}

TEST_CASE("exec: cancel() from another thread kills the running job", "[exec]") {
  quante::test::LogCapture log;
  auto exec = make_exec(60s);
  const pid_t pid = exec->child_pid();
  std::thread canceller([&] {
    log.wait_for("hanging", 10s);  // the child is inside the job
    exec->cancel();
  });
  const auto started = std::chrono::steady_clock::now();
  const auto cancelled = exec->evaluate("J1", job("hang"));
  canceller.join();
  CHECK(cancelled.failure == FailureKind::Timeout);
  CHECK_THAT(cancelled.error, Catch::Contains("cancelled"));
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  CHECK(process_gone(pid));
  // The cancel was consumed: the next job runs, on a fresh child.
  const auto next = exec->evaluate("J2", job("answer"));
  require_ok(next);
  CHECK(metric(next, "jobs") == 1);
}

TEST_CASE("exec: a missing command fails its jobs with the shell's message", "[exec]") {
  auto exec = make_exec(10s, -1, "nonexistent_command_for_quante_tests");
  const auto evaluation = exec->evaluate("J1", {});
  CHECK(evaluation.failure == FailureKind::Crashed);
  CHECK_THAT(evaluation.error, Catch::Contains("exited with status 127"));
  CHECK_THAT(evaluation.error, Catch::Contains("not found"));
}

TEST_CASE("exec: make_objective refuses a command whose child dies at once", "[exec]") {
  auto missing = make_objective("exec:nonexistent_command_for_quante_tests", {});
  CHECK_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("exited with status 127"));
  CHECK_THAT(missing.error().message, Catch::Contains("right after it started"));
  auto quits = make_objective("exec:sh -c 'echo no such model >&2; exit 3'", {});
  CHECK_FALSE(quits);
  CHECK_THAT(quits.error().message, Catch::Contains("exited with status 3"));
  CHECK_THAT(quits.error().message, Catch::Contains("no such model"));
  auto fine = make_objective("exec:sh " + kChildren + "answer42.sh", {});  // waits for jobs: accepted
  CHECK(fine);
}

TEST_CASE("exec: writing to a child that closed its stdin raises no SIGPIPE", "[exec]") {
  quante::test::LogCapture log;
  // (The log also shows the command, so the marker is spelled differently there.)
  auto exec = make_exec(10s, -1, "exec 0<&-; echo stdin\"\" closed >&2; exec sleep 30");
  REQUIRE(log.wait_for("stdin closed", 5s));
  const auto evaluation = exec->evaluate("J1", {{"x", 1.0}});  // the worker would die here
  CHECK(evaluation.failure == FailureKind::Crashed);
  CHECK_THAT(evaluation.error, Catch::Contains("Broken pipe"));
}

TEST_CASE("exec: destruction stops and reaps the child", "[exec]") {
  pid_t pid = 0;
  {
    auto exec = make_exec();
    require_ok(exec->evaluate("J1", job("answer")));
    pid = exec->child_pid();
  }
  CHECK(process_gone(pid));
  errno = 0;
  CHECK(::waitpid(pid, nullptr, WNOHANG) == -1);  // reaped: no zombie left behind
  CHECK(errno == ECHILD);

  // A child that ignores stdin's EOF and SIGTERM still goes, by SIGKILL.
  const auto started = std::chrono::steady_clock::now();
  {
    quante::test::LogCapture log;
    auto stubborn =
        make_exec(10s, -1, "trap '' TERM; echo TERM\"\" ignored >&2; while :; do sleep 1; done");
    REQUIRE(log.wait_for("TERM ignored", 5s));
    pid = stubborn->child_pid();
  }
  CHECK(process_gone(pid));
  CHECK(std::chrono::steady_clock::now() - started < 6s);
}

TEST_CASE("exec: a line for another job id is discarded, not a failure", "[exec]") {
  quante::test::LogCapture log;
  auto exec = make_exec();
  require_ok(exec->evaluate("J1", job("answer")));
  const pid_t pid = exec->child_pid();
  const auto evaluation = exec->evaluate("J2", job("stale"));
  require_ok(evaluation);
  CHECK(evaluation.loss == 7.0);
  CHECK(exec->child_pid() == pid);
  CHECK(log.count("discarding a line for job \"old-J2\"") == 2);
  // A child that only ever answers for the wrong id times out (after the lines are discarded).
  auto quick = make_exec(500ms);
  const auto wrong = quick->evaluate("J3", job("wrong_id"));
  CHECK(wrong.failure == FailureKind::Timeout);
}

TEST_CASE("exec: losses beyond a double, and diverged ones, fail as the objective's", "[exec]") {
  auto exec = make_exec();
  const pid_t pid = exec->child_pid();
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : {Case{R"({"id": "{ID}", "loss": 1e999})", "loss is infinite"},
                        Case{R"({"id": "{ID}", "loss": -1e999, "metrics": {"m": 1e999}})", "loss is infinite"},
                        Case{R"({"id": "{ID}", "loss": Infinity})", "loss is infinite"},
                        Case{R"({"id": "{ID}", "loss": 1.797e308})", "the loss diverged"},
                        Case{R"({"id": "{ID}", "loss": -2e300})", "the loss diverged"}}) {
    INFO(c.text);
    const auto evaluation = exec->evaluate("J", job("raw", {{"text", std::string(c.text)}}));
    CHECK_FALSE(evaluation.ok);
    CHECK(evaluation.failure == FailureKind::Objective);
    CHECK_THAT(evaluation.error, Catch::Contains(c.says));
  }
  const auto fine = exec->evaluate("J", job("raw", {{"text", std::string(R"({"id": "{ID}", "loss": 1e300})")}}));
  require_ok(fine);
  CHECK(fine.loss == 1e300);
  CHECK(exec->child_pid() == pid);  // none of these is a protocol failure
}

TEST_CASE("exec: oversized metrics and errors are cut to what the broker takes", "[exec]") {
  quante::test::LogCapture log;
  auto exec = make_exec();
  const auto many = exec->evaluate("J1", job("many_metrics", {{"count", std::int64_t{2000}}, {"name_bytes", std::int64_t{300}}}));
  require_ok(many);
  CHECK(many.metrics.size() == kMaxMetrics);
  for (const auto& [name, value] : many.metrics) CHECK(name.size() <= kMaxMetricNameBytes);
  CHECK(log.wait_for("job J1: 2000 of its 2000 metrics dropped or renamed", 1s));
  const auto few = exec->evaluate("J2", job("many_metrics", {{"count", std::int64_t{10}}}));
  require_ok(few);
  CHECK(few.metrics.size() == 10);

  const std::string long_error = R"({"id": "{ID}", "error": ")" + std::string(100000, 'e') + R"("})";
  const auto error = exec->evaluate("J3", job("raw", {{"text", long_error}}));
  CHECK(error.failure == FailureKind::Objective);
  CHECK(error.error.size() <= kMaxErrorBytes);
}

TEST_CASE("exec: a child on the old protocol gets no max_steps and works as before", "[exec][curve]") {
  auto exec = make_exec();
  RecordingReporter reporter(std::nullopt);
  const auto evaluation = exec->evaluate("J1", job("answer", {{"a", 2.0}}), reporter);
  require_ok(evaluation);
  CHECK(evaluation.loss == 2.0);
  CHECK_FALSE(evaluation.stopped_at);
  CHECK(reporter.reports().empty());
  // With a step budget, an old child still answers (it ignores the extra key).
  RecordingReporter budget(52);
  require_ok(exec->evaluate("J2", job("answer"), budget));
}

TEST_CASE("exec: step lines reach the reporter, and a stop ends the job at once", "[exec][curve]") {
  auto exec = make_exec();
  SECTION("to the end") {
    RecordingReporter reporter(4);
    const auto evaluation = exec->evaluate("J1", job("report"), reporter);
    require_ok(evaluation);
    CHECK_FALSE(evaluation.stopped_at);
    CHECK(metric(evaluation, "max_steps") == 4);
    CHECK(metric(evaluation, "last_step") == 4);
    const auto reports = reporter.reports();
    REQUIRE(reports.size() == 4);
    for (std::size_t i = 0; i < reports.size(); ++i) {
      CHECK(reports[i].step == static_cast<std::int64_t>(i + 1));
      CHECK(reports[i].loss == Approx(1.0 / static_cast<double>(i + 1)));
      CHECK(reports[i].metrics.at("half") == Approx(0.5 / static_cast<double>(i + 1)));
    }
  }
  SECTION("stopped at step 3") {
    RecordingReporter reporter(10, RecordingReporter::stop_at_step(3));
    const auto started = std::chrono::steady_clock::now();
    const auto evaluation = exec->evaluate("J1", job("report"), reporter);
    require_ok(evaluation);
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    REQUIRE(evaluation.stopped_at);
    CHECK(*evaluation.stopped_at == 3);
    CHECK(evaluation.loss == Approx(1.0 / 3.0));  // the last reported loss
    CHECK(metric(evaluation, "last_step") == 3);
    CHECK(reporter.reports().size() == 3);
  }
  SECTION("a child that goes on after the stop is told to stop again, the scheduler is not asked") {
    RecordingReporter reporter(6, RecordingReporter::stop_at_step(2));
    const auto evaluation = exec->evaluate("J1", job("report_ignore"), reporter);
    require_ok(evaluation);
    REQUIRE(evaluation.stopped_at);
    CHECK(*evaluation.stopped_at == 2);
    CHECK(metric(evaluation, "stops_seen") == 5);  // steps 2..6 were all answered "stop"
    CHECK(reporter.reports().size() == 2);
    CHECK(evaluation.loss == Approx(1.0 / 6.0));  // its final line, as it wrote it
  }
  // The same child serves the next job on the old protocol.
  require_ok(exec->evaluate("J2", job("answer")));
}

TEST_CASE("exec: repeated and decreasing steps and NaN losses are passed on as they come", "[exec][curve]") {
  auto exec = make_exec();
  RecordingReporter reporter(10);
  const auto evaluation =
      exec->evaluate("J1", job("report_sequence", {{"steps", std::string("1,1,3,2,0")}, {"nan_at", std::int64_t{3}}}),
                     reporter);
  require_ok(evaluation);
  const auto reports = reporter.reports();
  REQUIRE(reports.size() == 5);
  const std::vector<std::int64_t> steps = {1, 1, 3, 2, 0};
  for (std::size_t i = 0; i < steps.size(); ++i) CHECK(reports[i].step == steps[i]);
  CHECK(std::isnan(reports[2].loss));
  CHECK(reports[3].loss == Approx(0.2));
}

TEST_CASE("exec: malformed step lines are answered continue and logged, the job goes on", "[exec][curve]") {
  quante::test::LogCapture log;
  auto exec = make_exec();
  RecordingReporter reporter(10, [](const auto&, std::size_t) { return false; });
  const auto evaluation = exec->evaluate("J1", job("report_bad"), reporter);
  require_ok(evaluation);
  CHECK(evaluation.loss == 0.25);
  CHECK(metric(evaluation, "good_answers") == 4);  // the bad ones: continue; the good one: stop
  CHECK(metric(evaluation, "step_less") == 4);
  REQUIRE(reporter.reports().size() == 1);
  CHECK(*evaluation.stopped_at == 1);
  CHECK(log.count("is not an integer >= 0") == 3);
  CHECK(log.count("without a numeric \"loss\"") == 1);
}

TEST_CASE("exec: a child that reports and never reads its stdin does not hang the worker", "[exec][curve]") {
  quante::test::LogCapture log;
  auto exec = make_exec(20s);
  RecordingReporter reporter(5000);
  const auto started = std::chrono::steady_clock::now();
  // 5000 answers of ~40 bytes: over three times what a pipe holds.
  const auto evaluation = exec->evaluate("J1", job("report_noread", {{"steps", std::int64_t{5000}}}), reporter);
  require_ok(evaluation);
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  CHECK(reporter.reports().size() == 5000);
  CHECK(log.wait_for("answers to step lines dropped", 1s));
  // The child reads its stdin again for the next job, skipping the old answers.
  const auto next = exec->evaluate("J2", job("answer"));
  require_ok(next);
  CHECK(metric(next, "jobs") == 2);
}

TEST_CASE("exec: a flood of 10,000 step lines is answered quickly and quietly", "[exec][curve]") {
  quante::test::LogCapture log;
  auto exec = make_exec(30s);
  RecordingReporter reporter(10000);
  const auto started = std::chrono::steady_clock::now();
  const auto evaluation = exec->evaluate("J1", job("flood", {{"steps", std::int64_t{10000}}}), reporter);
  const auto took = std::chrono::steady_clock::now() - started;
  require_ok(evaluation);
  CHECK(metric(evaluation, "answers") == 10000);  // none dropped: the child reads them
  const auto reports = reporter.reports();
  REQUIRE(reports.size() == 10000);
  CHECK(reports.back().step == 10000);
  CHECK(reports.back().loss == 10000.5);
  CHECK(took < 5s);
  CHECK(log.count("J1") == 0);  // nothing logged per line
}
