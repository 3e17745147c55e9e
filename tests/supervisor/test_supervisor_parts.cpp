// The supervisor's pieces without processes: --gpus parsing, the restart back-off driven by
// explicit times, the children's arguments; and READY's device field through encode/decode.
#include <catch2/catch.hpp>

#include "protocol.hpp"
#include "supervisor.hpp"

using namespace quante::worker;
using namespace std::chrono_literals;

TEST_CASE("supervisor: --gpus all and lists", "[supervisor]") {
  const GpuInventory four{4, "test", ""};
  const GpuInventory none{0, "", "no NVIDIA driver"};
  CHECK(std::get<std::vector<int>>(parse_gpu_list("all", four)) == std::vector<int>{0, 1, 2, 3});
  CHECK(std::get<std::vector<int>>(parse_gpu_list("0,1,3", four)) == std::vector<int>{0, 1, 3});
  CHECK(std::get<std::vector<int>>(parse_gpu_list("2", none)) == std::vector<int>{2});  // count unknown: trusted
  const auto no_gpu = parse_gpu_list("all", none);
  REQUIRE(std::holds_alternative<std::string>(no_gpu));
  CHECK(std::get<std::string>(no_gpu).find("no GPU found") != std::string::npos);
  CHECK(std::get<std::string>(no_gpu).find("no NVIDIA driver") != std::string::npos);
  for (const char* bad : {"", "0,,1", "a", "0,0", "-1", "1;2", "4", "0,7"}) {
    INFO(bad);
    CHECK(std::holds_alternative<std::string>(parse_gpu_list(bad, four)));
  }
}

TEST_CASE("supervisor: restart back-off doubles to its cap and resets after a healthy run", "[supervisor]") {
  RestartBackoff backoff(1000ms, 8000ms, 60s);
  const RestartBackoff::TimePoint t0{};
  CHECK(backoff.on_exit(t0, t0 + 100ms) == 1000ms);
  CHECK(backoff.on_exit(t0, t0 + 100ms) == 2000ms);
  CHECK(backoff.on_exit(t0, t0 + 100ms) == 4000ms);
  CHECK(backoff.on_exit(t0, t0 + 100ms) == 8000ms);
  CHECK(backoff.on_exit(t0, t0 + 100ms) == 8000ms);
  CHECK(backoff.on_exit(t0, t0 + 61s) == 1000ms);  // lived long enough: from the start again
  CHECK(backoff.on_exit(t0, t0 + 1s) == 2000ms);
}

TEST_CASE("supervisor: a child's arguments replace --gpus with --gpus none --gpu N", "[supervisor]") {
  const std::vector<std::string> args = {"--broker", "tcp://h:5556", "--gpus", "all", "--objective", "a=builtin:noop",
                                         "--gpu=3", "--name", "w"};
  CHECK(child_arguments(args, 2) == std::vector<std::string>{"--broker", "tcp://h:5556", "--objective", "a=builtin:noop",
                                                              "--name", "w", "--gpus", "none", "--gpu", "2"});
  CHECK(child_arguments({"--gpus=0,1", "--gpu", "5"}, 1) == std::vector<std::string>{"--gpus", "none", "--gpu", "1"});
}

TEST_CASE("supervisor: with --per-gpu K each child gets its slot and K", "[supervisor]") {
  const std::vector<std::string> args = {"--gpus", "all", "--per-gpu", "4", "--slot=1", "--objective", "a=builtin:noop"};
  CHECK(child_arguments(args, 1, 3, 4) == std::vector<std::string>{"--objective", "a=builtin:noop", "--gpus", "none",
                                                                    "--gpu", "1", "--per-gpu", "4", "--slot", "3"});
  CHECK(child_arguments({"--per-gpu=1", "--gpus", "0"}, 0, -1, 1) == std::vector<std::string>{"--gpus", "none", "--gpu", "0"});
}

TEST_CASE("protocol: READY carries the worker's device, and an old READY without it decodes", "[supervisor][protocol]") {
  using namespace quante::protocol;
  Ready ready;
  ready.name = "host/gpu1";
  ready.host = "host";
  ready.gpu = 1;
  ready.device = "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)";
  ready.pid = 42;
  ready.objectives = {"mlp"};
  auto frames = encode(Link::Worker, ready);
  auto decoded = decode(Link::Worker, frames);
  REQUIRE(decoded);
  const auto& back = std::get<Ready>(decoded.value());
  CHECK(back.device == ready.device);
  CHECK(back.gpu == 1);
  CHECK(back.objectives == ready.objectives);
  Ready plain = ready;
  plain.device.clear();
  auto plain_back = decode(Link::Worker, encode(Link::Worker, plain));
  REQUIRE(plain_back);
  CHECK(std::get<Ready>(plain_back.value()).device.empty());
}
