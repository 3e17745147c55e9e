// Settings of a worker process (command line or config file), with RELIABILITY.md's defaults:
// heartbeat 1 s, liveness 5, reconnect back-off 1 s doubling to 32 s.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "socket_security.hpp"

namespace quante::worker {

struct WorkerSettings {
  std::string broker = "tcp://127.0.0.1:5556";
  std::string name;                            // default: HOST/gpuN, or HOST/pidP without a GPU
  int gpu = -1;
  int slot = -1;                               // which of the GPU's --per-gpu workers; -1: the only one
  int per_gpu = 1;                             // workers sharing this GPU (its memory share is 1/per_gpu)
  std::string device;                          // reported in READY; default: gpu_info.hpp's describe_gpu
  std::int64_t gpu_memory_mib = -1;            // reported in READY; -1: measured (gpu_memory.hpp)
  std::int64_t gpu_memory_growth_mib = 1024;   // the leak guard's threshold (memory_guard.hpp); 0: off
  std::vector<std::string> objectives;         // NAME=SPEC, as on the command line
  std::chrono::milliseconds heartbeat{1000};
  int liveness = 5;                            // broker silent this many beats -> reconnect
  std::chrono::milliseconds reconnect_initial{1000};
  std::chrono::milliseconds reconnect_max{32000};
  std::chrono::milliseconds default_timeout{3600 * 1000};  // when a job names none
  std::chrono::milliseconds decision_timeout{10000};       // a rung report waits this long for the tuner, then goes on
  ClientSecurity security;                     // plaintext unless keys are configured
};

}  // namespace quante::worker
