// Integration: quante-worker --gpus 0,1 under QUANTE_FAKE_GPUS=2 (a host that pretends to have two
// GPUs) starts one worker per GPU, each reporting its device; a child killed with SIGKILL is
// restarted and registers again; SIGTERM stops the supervisor and its children. --gpus all on a
// host without GPUs, a GPU that does not exist, and a child's configuration error all end the
// supervisor with a non-zero status and a clear message.
#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <regex>

#include "farm.hpp"
#include "scoped_env.hpp"

using namespace quante::test;
using namespace std::chrono_literals;

namespace {


// The pids the supervisor logged for GPU `gpu`, in order.
std::vector<pid_t> child_pids(const std::string& log, int gpu) {
  std::vector<pid_t> pids;
  const std::regex started("worker for GPU " + std::to_string(gpu) + " started \\(pid ([0-9]+)\\)");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), started); it != std::sregex_iterator(); ++it)
    pids.push_back(static_cast<pid_t>(std::stol((*it)[1])));
  return pids;
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

}  // namespace

TEST_CASE("supervisor: one worker per GPU, a killed one restarted, SIGTERM stops all",
          "[supervisor][farm][integration]") {
  ScopedEnv fake("QUANTE_FAKE_GPUS", "2");
  Farm farm;
  farm.start_broker();
  auto& supervisor = farm.start_worker({"noop=builtin:noop"}, {"--gpus", "0,1"});
  REQUIRE(farm.wait_for_workers(2));
  REQUIRE(wait_until([&] { return child_pids(supervisor.log(), 0).size() == 1 && child_pids(supervisor.log(), 1).size() == 1; }, 10s));
  // Each child got its GPU and reported the device.
  REQUIRE(wait_until([&] {
    const std::string log = supervisor.log();
    return log.find("GPU 0 is fake-gpu-0") != std::string::npos && log.find("GPU 1 is fake-gpu-1") != std::string::npos;
  }, 10s));
  CHECK(farm.broker->log().find("/gpu0 ready") != std::string::npos);
  CHECK(farm.broker->log().find("/gpu1 ready") != std::string::npos);

  const pid_t first = child_pids(supervisor.log(), 0).front();
  REQUIRE(::kill(first, SIGKILL) == 0);
  REQUIRE(wait_until([&] { return child_pids(supervisor.log(), 0).size() == 2; }, 20s));
  INFO(supervisor.log());
  CHECK(supervisor.log().find("killed by signal 9") != std::string::npos);
  CHECK(supervisor.running());
  REQUIRE(farm.wait_for_workers(3));  // the new child registered with the broker
  const pid_t second = child_pids(supervisor.log(), 0).back();
  const pid_t other = child_pids(supervisor.log(), 1).back();
  CHECK(second != first);

  supervisor.signal(SIGTERM);
  REQUIRE(supervisor.wait(20s) == 0);
  CHECK_FALSE(alive(second));
  CHECK_FALSE(alive(other));
}

TEST_CASE("supervisor: no GPUs, a missing GPU or a child's config error end it non-zero",
          "[supervisor][farm][integration]") {
  Farm farm;
  {
    ScopedEnv none("QUANTE_FAKE_GPUS", "0");
    auto& all = farm.start_worker({"noop=builtin:noop"}, {"--gpus", "all"});
    const auto code = all.wait(10s);
    INFO(all.log());
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    CHECK(all.log().find("no GPU found") != std::string::npos);
  }
  {
    ScopedEnv two("QUANTE_FAKE_GPUS", "2");
    auto& missing = farm.start_worker({"noop=builtin:noop"}, {"--gpus", "0,5"});
    const auto code = missing.wait(10s);
    INFO(missing.log());
    REQUIRE(code.has_value());
    CHECK(*code == 2);
    CHECK(missing.log().find("GPU 5 does not exist") != std::string::npos);

    auto& broken = farm.start_worker({"bad=builtin:no_such_function"}, {"--gpus", "0,1"});
    const auto broken_code = broken.wait(20s);
    INFO(broken.log());
    REQUIRE(broken_code.has_value());
    CHECK(*broken_code == 2);
    CHECK(broken.log().find("configuration error") != std::string::npos);
  }
}
