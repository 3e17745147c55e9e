// quante-worker --gpus all|0,1,3 [--per-gpu K]: K worker processes per GPU under one supervisor.
//
// The supervisor runs its own executable again K times per GPU, with the same arguments except that
// --gpus LIST becomes --gpus none --gpu N (so each child sets CUDA_VISIBLE_DEVICES=N and reports its
// device in READY; "none" overrides a config file's gpus key), plus --per-gpu K --slot S when K > 1
// (the child is named HOST/gpuN.sS, reports its slot, and takes 1/K of the GPU's memory as its
// share for the leak guard). It restarts a child that dies, after a back-off of 1 s doubling to 32 s, reset once a
// child has lived 60 s (the zguide's reconnect back-off, for processes). A child that exits with
// status 2 (a usage or configuration error, which a restart would only repeat) stops the
// supervisor with status 2. SIGTERM or SIGINT is forwarded to every child as SIGTERM; the
// supervisor waits for them (SIGKILL after a grace period) and exits 0. Children get
// PR_SET_PDEATHSIG, so they do not outlive a supervisor that is killed outright. Under systemd
// (Type=notify) the supervisor is the main process: it sends READY=1 once its children are
// started and the watchdog pings, and its children do not see NOTIFY_SOCKET.
//
// Test hook: QUANTE_FAKE_GPUS=N (gpu_info.hpp) makes the host look as if it had N GPUs.
#pragma once

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "gpu_info.hpp"
#include "stop_signal.hpp"

namespace quante::worker {

// "all" -> every GPU of the inventory (an error when there is none); "0,1,3" -> those, each
// distinct, each below the inventory's count when that count is known (> 0).
std::variant<std::vector<int>, std::string> parse_gpu_list(const std::string& text, const GpuInventory& inventory);

// Restart delays of one child. Clock-free: callers pass the times, so tests drive it directly.
class RestartBackoff {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit RestartBackoff(std::chrono::milliseconds initial = std::chrono::seconds(1),
                          std::chrono::milliseconds max = std::chrono::seconds(32),
                          std::chrono::milliseconds healthy = std::chrono::seconds(60))
      : initial_(initial), max_(max), healthy_(healthy), next_(initial) {}

  // A child started at `started` has died at `now`: how long to wait before starting it again.
  std::chrono::milliseconds on_exit(TimePoint started, TimePoint now);

 private:
  std::chrono::milliseconds initial_, max_, healthy_, next_;
};

// The arguments (without argv[0]) of the child for GPU `gpu`, slot `slot` (-1 when per_gpu is 1):
// `args` without any --gpus, --gpu, --per-gpu or --slot (either form, "--x V" or "--x=V"), then
// "--gpus none --gpu N", then "--per-gpu K --slot S" when per_gpu > 1.
std::vector<std::string> child_arguments(const std::vector<std::string>& args, int gpu, int slot = -1, int per_gpu = 1);

struct SupervisorSettings {
  std::string executable = "/proc/self/exe";
  std::vector<std::string> args;  // the supervisor's own arguments, without argv[0]
  std::vector<int> gpus;
  int per_gpu = 1;  // workers per GPU
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{32000};
  std::chrono::milliseconds healthy{60000};
  std::chrono::milliseconds stop_grace{15000};  // SIGTERM to SIGKILL on shutdown
};

// Runs the children until `stop`; the process's exit status (0, or 2 when a child reported a
// configuration error). Throws std::system_error when it cannot fork.
int run_supervisor(const SupervisorSettings& settings, StopSignal& stop);

// main's entry: parses `gpus_text`, counts the GPUs, logs, runs. Returns the exit status (1 when
// there are no GPUs for "all", 2 for a bad list).
int supervise_gpus(const std::string& gpus_text, int per_gpu, int argc, char** argv);

}  // namespace quante::worker
