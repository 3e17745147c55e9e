// GPU inventory and names; see gpu_info.hpp.
#include "gpu_info.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#ifdef QUANTE_WITH_CUDA
#include "cuda/cuda_device.hpp"
#endif

namespace quante::worker {

namespace {

constexpr const char* kDriverDir = "/proc/driver/nvidia/gpus";

std::optional<int> fake_gpus() {
  const char* text = std::getenv("QUANTE_FAKE_GPUS");
  if (!text || !*text) return std::nullopt;
  int n = 0;
  const auto* end = text + std::char_traits<char>::length(text);
  const auto [ptr, ec] = std::from_chars(text, end, n);
  if (ec != std::errc() || ptr != end || n < 0) return 0;
  return n;
}

// The driver's GPUs, one folder each, named by PCI bus id (sorted: nvidia-smi's order).
std::vector<std::filesystem::path> driver_gpus() {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kDriverDir, ec)) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

GpuInventory count_gpus() {
  GpuInventory inventory;
  if (const auto fake = fake_gpus()) {
    inventory.count = *fake;
    inventory.source = "QUANTE_FAKE_GPUS";
    if (*fake == 0) inventory.error = "QUANTE_FAKE_GPUS says there are none";
    return inventory;
  }
  if (const auto gpus = driver_gpus(); !gpus.empty()) {
    inventory.count = static_cast<int>(gpus.size());
    inventory.source = kDriverDir;
    return inventory;
  }
  inventory.error = std::string("no NVIDIA driver GPUs in ") + kDriverDir;
#ifdef QUANTE_WITH_CUDA
  if (!std::getenv("CUDA_VISIBLE_DEVICES")) {
    const auto cuda = cuda::device_count();
    inventory.count = cuda.count;
    inventory.source = "CUDA";
    if (cuda.count == 0) inventory.error += "; CUDA: " + cuda.error;
  }
#else
  inventory.error += "; this build has no CUDA";
#endif
  return inventory;
}

std::string describe_gpu(int gpu) {
  if (gpu < 0) return {};
  if (fake_gpus()) return "fake-gpu-" + std::to_string(gpu);
#ifdef QUANTE_WITH_CUDA
  if (const auto cuda = cuda::device_count(); cuda.count > 0) {
    if (auto name = cuda::device_description(0); !name.empty()) return name;
  }
#endif
  const auto gpus = driver_gpus();
  if (static_cast<std::size_t>(gpu) < gpus.size()) {
    std::ifstream in(gpus[static_cast<std::size_t>(gpu)] / "information");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("Model:", 0) == 0) {
        const auto start = line.find_first_not_of(" \t", 6);
        return start == std::string::npos ? std::string() : line.substr(start);
      }
  }
  return {};
}

std::optional<int> inherited_gpu() {
  const char* text = std::getenv("CUDA_VISIBLE_DEVICES");
  if (!text || !*text) return std::nullopt;
  int gpu = -1;
  const auto* end = text + std::char_traits<char>::length(text);
  const auto [ptr, ec] = std::from_chars(text, end, gpu);
  if (ec != std::errc() || ptr != end || gpu < 0 || gpu > 1023) return std::nullopt;
  return gpu;
}

}  // namespace quante::worker
