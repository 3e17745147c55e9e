// Integration, on fake GPUs (QUANTE_FAKE_GPUS, gpu_memory.hpp's hooks): --per-gpu 2 runs two named
// workers per GPU; the leak guard restarts an exec child whose GPU memory grows job after job; an
// out-of-memory failure is reported as such and retried on another worker; a study's
// [resources] gpu_memory_gib sends its jobs only to workers with that much memory, and a study no
// worker can serve is reported by the tuner at once.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include "farm.hpp"
#include "scoped_env.hpp"

using namespace quante::test;
using namespace std::chrono_literals;

namespace {


std::string study(int budget, const std::string& objective, const std::string& extra = "") {
  return "name = \"sharing\"\nobjective = \"" + objective + "\"\nbudget = " + std::to_string(budget) +
         "\nbatch = 4\ninitial = 4\nseed = 5\nretries = 0\n"
         "[space]\nx0 = { type = \"float\", low = 0.0, high = 1.0 }\nduration_ms = { type = \"int\", low = 200, high = 300 }\n" +
         extra;
}

// An exec child that holds 600 more MiB of (fake) GPU memory after every job: a leak.
constexpr const char* kLeakingChild = R"(import json, os, sys
held = 0
for line in sys.stdin:
    job = json.loads(line)
    held += 600
    with open(os.path.join(os.environ["QUANTE_FAKE_GPU_STATE"], str(os.getpid())), "w") as f:
        f.write(str(held))
    print(json.dumps({"id": job["id"], "loss": job["params"]["x0"], "metrics": {"pid": os.getpid()}}), flush=True)
)";

// An exec child whose every job runs out of GPU memory, as PyTorch says it.
constexpr const char* kOutOfMemoryChild = R"(import json, sys
for line in sys.stdin:
    job = json.loads(line)
    print(json.dumps({"id": job["id"], "error": "OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB"}), flush=True)
)";

}  // namespace

TEST_CASE("gpu sharing: --per-gpu 2 on two GPUs runs four named workers that share the study",
          "[gpu-sharing][farm][integration]") {
  ScopedEnv fake("QUANTE_FAKE_GPUS", "2");
  Farm farm;
  farm.start_broker();
  auto& supervisor = farm.start_worker({"f=builtin:delay:branin"}, {"--gpus", "all", "--per-gpu", "2"});
  REQUIRE(farm.wait_for_workers(4));
  for (const char* name : {"/gpu0.s0 ready", "/gpu0.s1 ready", "/gpu1.s0 ready", "/gpu1.s1 ready"}) {
    INFO(name << "\n" << farm.broker->log());
    CHECK(farm.broker->log().find(name) != std::string::npos);
  }
  CHECK(supervisor.log().find("GPU 1 (slot 1 of 2) is fake-gpu-1, 16384 MiB") != std::string::npos);
  auto tuner = farm.start_tuner(study(16, "f", "x1 = { type = \"float\", low = 0.0, high = 15.0 }\n"), farm.history_path());
  REQUIRE(tuner->wait(90s) == 0);
  const auto history = read_history(farm.history_path());
  REQUIRE(history.size() == 16);
  std::set<std::string> slots;
  for (const auto& r : history) {
    const std::string worker = r["worker"].get<std::string>();
    slots.insert(worker.substr(worker.rfind('/') + 1));
  }
  CHECK(slots == std::set<std::string>{"gpu0.s0", "gpu0.s1", "gpu1.s0", "gpu1.s1"});
  supervisor.signal(SIGTERM);
  CHECK(supervisor.wait(20s) == 0);
}

TEST_CASE("gpu sharing: the leak guard restarts an exec child whose GPU memory keeps growing",
          "[gpu-sharing][farm][integration]") {
  Farm farm;
  ScopedEnv fake("QUANTE_FAKE_GPUS", "1");
  ScopedEnv state("QUANTE_FAKE_GPU_STATE", farm.dir().path());
  write_file(farm.dir().file("leak.py"), kLeakingChild);
  // A liveness window (3 x 50 ms) far shorter than an exec child's start check (500 ms): the
  // restart must not hold up the worker's loop, or the broker declares it lost and a job runs twice.
  farm.start_broker({"--heartbeat-ms", "50", "--liveness", "3"});
  auto& worker = farm.start_worker({"leak=exec:python3 " + farm.dir().file("leak.py")},
                                   {"--gpu", "0", "--gpu-memory-growth-mib", "1024", "--heartbeat-ms", "50", "--liveness", "3"});
  REQUIRE(farm.wait_for_workers(1));
  auto tuner = farm.start_tuner(study(9, "leak"), farm.history_path());
  REQUIRE(tuner->wait(90s) == 0);
  const auto history = read_history(farm.history_path());
  REQUIRE(history.size() == 9);
  // 600 MiB after the first job is the baseline; 1800 after the third is 1200 more than that, over
  // 1024: the child is restarted after every third job.
  std::map<long, int> jobs_per_child;
  for (const auto& r : history) {
    REQUIRE(r["status"] == "ok");
    ++jobs_per_child[static_cast<long>(r["metrics"]["pid"].get<double>())];
  }
  INFO(worker.log());
  CHECK(jobs_per_child.size() == 3);
  for (const auto& [pid, jobs] : jobs_per_child) CHECK(jobs == 3);
  CHECK(worker.log().find("1200 MiB more than after its first job") != std::string::npos);
  const auto stats = stop_for_stats(*farm.broker);
  INFO(stats.dump());
  CHECK(each_job_ran_once(stats, 9));
}

TEST_CASE("gpu sharing: out of GPU memory is its own failure, retried on another worker",
          "[gpu-sharing][farm][integration]") {
  Farm farm;
  write_file(farm.dir().file("oom.py"), kOutOfMemoryChild);
  farm.start_broker();
  farm.start_worker({"oom=exec:python3 " + farm.dir().file("oom.py")});
  farm.start_worker({"oom=exec:python3 " + farm.dir().file("oom.py")});
  REQUIRE(farm.wait_for_workers(2));
  auto tuner = farm.start_tuner(study(2, "oom") + "", farm.history_path(), {});
  REQUIRE(tuner->wait(60s) == 0);
  const auto history = read_history(farm.history_path());
  REQUIRE(history.size() == 2);
  for (const auto& r : history) {
    CHECK(r["status"] == "failed");
    CHECK(r["failure"] == "out-of-memory");
  }
  // Attempts 1 and 2 of each job were queued again (the default max_attempts is 3).
  const auto stats = stop_for_stats(*farm.broker);
  INFO(stats.dump());
  CHECK(stats.value("out_of_memory_retries", -1) == 4);
}

TEST_CASE("gpu sharing: [resources] gpu_memory_gib places jobs, and an unservable study is reported",
          "[gpu-sharing][farm][integration]") {
  Farm farm;
  ScopedEnv fake("QUANTE_FAKE_GPUS", "1");
  farm.start_broker();
  {
    ScopedEnv memory("QUANTE_FAKE_GPU_MEMORY_MIB", "8192");
    farm.start_worker({"f=builtin:delay:branin"}, {"--gpu", "0", "--name", "small"});
  }
  {
    ScopedEnv memory("QUANTE_FAKE_GPU_MEMORY_MIB", "24576");
    farm.start_worker({"f=builtin:delay:branin"}, {"--gpu", "0", "--name", "large"});
  }
  REQUIRE(farm.wait_for_workers(2));
  const std::string space = "x1 = { type = \"float\", low = 0.0, high = 15.0 }\n";
  auto tuner = farm.start_tuner(study(8, "f", space + "[resources]\ngpu_memory_gib = 16\n"), farm.history_path());
  REQUIRE(tuner->wait(90s) == 0);
  for (const auto& r : read_history(farm.history_path())) CHECK(r["worker"] == "large");

  auto waiting = farm.start_tuner(study(8, "f", space + "[resources]\ngpu_memory_gib = 64\n"), farm.history_path("big.jsonl"));
  const bool told = wait_until(
      [&] { return waiting->log().find("but none has 65536 MiB of GPU memory (the largest: 24576 MiB)") != std::string::npos; },
      20s);
  INFO(waiting->log());
  CHECK(told);
  waiting->signal(SIGTERM);
  CHECK(waiting->wait(20s).has_value());
}
