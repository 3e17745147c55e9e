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
#include "objectives/exec.hpp"

using namespace quante::worker;
using namespace std::chrono_literals;
using quante::Params;

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

// Polls cond every 10 ms until it holds or the deadline passes.
bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!cond()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
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
  REQUIRE(made.objective);
  for (const char* id : {"J1", "J2", "J3"}) {
    const auto evaluation = made.objective->evaluate(id, {{"x", 1.0}});
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
        Case{"wrong_id", "answer is for job \"not-J"},
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
    CHECK(eventually([&] { return process_gone(grandchild); }, 5s));
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
