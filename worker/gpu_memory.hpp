// GPU memory, for placement by capability and for the worker's leak guard: a device's total
// memory (announced in READY) and the memory that given processes hold on it.
//
// Real GPUs are read through NVML, the driver's management library, opened with dlopen at first
// use (libnvidia-ml.so.1 ships with the driver, so builds need nothing and a host without it just
// answers "unknown"). NVML numbers GPUs in PCI order; the worker sets CUDA_DEVICE_ORDER=PCI_BUS_ID
// so that CUDA's numbering, and so --gpu N, agrees with it (and with nvidia-smi).
//
// Test hook, with QUANTE_FAKE_GPUS=N (gpu_info.hpp): every fake GPU has
// QUANTE_FAKE_GPU_MEMORY_MIB of memory (default 16384; a list "8192,24576" gives GPU i the i-th
// value), and a process holds the MiB written in the file $QUANTE_FAKE_GPU_STATE/PID (none: 0), so
// a test's objective can "leak" by writing a number.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quante::worker {

// The device's total memory in MiB; nullopt when nothing answers.
std::optional<std::int64_t> gpu_total_mib(int gpu);

// The memory the processes `pids` hold on GPU `gpu`, in MiB; nullopt when it cannot be told (no
// NVML, or NVML does not report per-process use, as under some containers).
std::optional<std::int64_t> gpu_memory_held_mib(int gpu, const std::vector<int>& pids);

}  // namespace quante::worker
