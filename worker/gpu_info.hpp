// Which GPUs this host has and what a worker's GPU is, for READY and for the --gpus supervisor.
//
// QUANTE_FAKE_GPUS=N (tests only): pretend the host has N GPUs named "fake-gpu-I"; nothing real is
// queried then, so the supervisor and READY can be tested on machines without GPUs.
#pragma once

#include <optional>
#include <string>

namespace quante::worker {

struct GpuInventory {
  int count = 0;
  std::string source;  // how it was counted: "QUANTE_FAKE_GPUS", "/proc/driver/nvidia/gpus", "CUDA"
  std::string error;   // why none were found, when count == 0
};

// The host's GPUs by physical index (CUDA_VISIBLE_DEVICES numbering): QUANTE_FAKE_GPUS if set, else
// the NVIDIA driver's /proc/driver/nvidia/gpus, else (builds with CUDA) the CUDA runtime's count.
GpuInventory count_gpus();

// The device a worker of GPU `gpu` got, once CUDA_VISIBLE_DEVICES names it: the CUDA runtime's name
// of device 0 (builds with CUDA), else the driver's model of the gpu-th GPU in PCI order; empty
// when nothing answers.
std::string describe_gpu(int gpu);

// The GPU named by an inherited CUDA_VISIBLE_DEVICES that holds exactly one index (as Slurm sets
// it for a task with --gres=gpu:1); nullopt when it is unset, empty, a list or a UUID.
std::optional<int> inherited_gpu();

}  // namespace quante::worker
