// GPU memory through NVML (dlopen) or the QUANTE_FAKE_GPUS test hook; see gpu_memory.hpp.
#include "gpu_memory.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <dlfcn.h>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

namespace quante::worker {

namespace {

constexpr std::int64_t kMiB = 1024 * 1024;
constexpr std::int64_t kDefaultFakeMemoryMib = 16384;

bool fake_gpus() {
  const char* text = std::getenv("QUANTE_FAKE_GPUS");
  return text && *text;
}

std::optional<std::int64_t> parse_int(const std::string& text) {
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < 0) return std::nullopt;
  return value;
}

std::optional<std::int64_t> fake_total_mib(int gpu) {
  const char* text = std::getenv("QUANTE_FAKE_GPU_MEMORY_MIB");
  if (!text || !*text) return kDefaultFakeMemoryMib;
  std::vector<std::string> values;
  std::stringstream list(text);
  for (std::string item; std::getline(list, item, ',');) values.push_back(item);
  if (values.empty()) return std::nullopt;
  const auto& chosen = values[std::min<std::size_t>(static_cast<std::size_t>(gpu), values.size() - 1)];
  return parse_int(chosen);
}

std::optional<std::int64_t> fake_held_mib(const std::vector<int>& pids) {
  const char* dir = std::getenv("QUANTE_FAKE_GPU_STATE");
  if (!dir || !*dir) return 0;
  std::int64_t total = 0;
  for (int pid : pids) {
    std::ifstream in(std::string(dir) + "/" + std::to_string(pid));
    std::string line;
    if (in && std::getline(in, line)) total += parse_int(line).value_or(0);
  }
  return total;
}

// The few NVML entry points used, with the ABI of nvml.h (R450 and later).
struct NvmlMemory {
  unsigned long long total, free, used;
};
struct NvmlProcessInfo {
  unsigned int pid;
  unsigned long long used_gpu_memory;
  unsigned int gpu_instance_id;
  unsigned int compute_instance_id;
};
using NvmlDevice = void*;
constexpr int kNvmlSuccess = 0;
constexpr int kNvmlInsufficientSize = 7;
constexpr unsigned long long kNvmlValueNotAvailable = ~0ULL;

class Nvml {
 public:
  static Nvml& get() {
    static Nvml nvml;  // opened once, thread-safely, at first use
    return nvml;
  }
  bool usable() const { return ok_; }

  std::optional<std::int64_t> total_mib(int gpu) const {
    NvmlDevice device = nullptr;
    NvmlMemory memory{};
    if (!ok_ || handle_by_index_(static_cast<unsigned>(gpu), &device) != kNvmlSuccess ||
        memory_info_(device, &memory) != kNvmlSuccess)
      return std::nullopt;
    return static_cast<std::int64_t>(memory.total / kMiB);
  }

  std::optional<std::int64_t> held_mib(int gpu, const std::vector<int>& pids) const {
    NvmlDevice device = nullptr;
    if (!ok_ || !processes_ || handle_by_index_(static_cast<unsigned>(gpu), &device) != kNvmlSuccess) return std::nullopt;
    std::vector<NvmlProcessInfo> infos(64);
    for (int tries = 0; tries < 4; ++tries) {
      unsigned count = static_cast<unsigned>(infos.size());
      const int status = processes_(device, &count, infos.data());
      if (status == kNvmlInsufficientSize) {
        infos.resize(static_cast<std::size_t>(count) + 16);
        continue;
      }
      if (status != kNvmlSuccess) return std::nullopt;
      std::int64_t total = 0;
      for (unsigned i = 0; i < count; ++i) {
        if (std::find(pids.begin(), pids.end(), static_cast<int>(infos[i].pid)) == pids.end()) continue;
        if (infos[i].used_gpu_memory == kNvmlValueNotAvailable) return std::nullopt;
        total += static_cast<std::int64_t>(infos[i].used_gpu_memory / kMiB);
      }
      return total;
    }
    return std::nullopt;
  }

 private:
  Nvml() {
    library_ = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!library_) return;
    auto init = reinterpret_cast<int (*)()>(::dlsym(library_, "nvmlInit_v2"));
    handle_by_index_ = reinterpret_cast<int (*)(unsigned, NvmlDevice*)>(::dlsym(library_, "nvmlDeviceGetHandleByIndex_v2"));
    memory_info_ = reinterpret_cast<int (*)(NvmlDevice, NvmlMemory*)>(::dlsym(library_, "nvmlDeviceGetMemoryInfo"));
    processes_ = reinterpret_cast<int (*)(NvmlDevice, unsigned*, NvmlProcessInfo*)>(
        ::dlsym(library_, "nvmlDeviceGetComputeRunningProcesses_v3"));
    if (!processes_)
      processes_ = reinterpret_cast<int (*)(NvmlDevice, unsigned*, NvmlProcessInfo*)>(
          ::dlsym(library_, "nvmlDeviceGetComputeRunningProcesses_v2"));
    ok_ = init && handle_by_index_ && memory_info_ && init() == kNvmlSuccess;
    if (!ok_) spdlog::debug("NVML found but not usable: GPU memory is not measured");
  }
  // The library stays loaded for the process's life (NVML's own advice: no nvmlShutdown needed).

  void* library_ = nullptr;
  bool ok_ = false;
  int (*handle_by_index_)(unsigned, NvmlDevice*) = nullptr;
  int (*memory_info_)(NvmlDevice, NvmlMemory*) = nullptr;
  int (*processes_)(NvmlDevice, unsigned*, NvmlProcessInfo*) = nullptr;
};

}  // namespace

std::optional<std::int64_t> gpu_total_mib(int gpu) {
  if (gpu < 0) return std::nullopt;
  if (fake_gpus()) return fake_total_mib(gpu);
  return Nvml::get().total_mib(gpu);
}

std::optional<std::int64_t> gpu_memory_held_mib(int gpu, const std::vector<int>& pids) {
  if (gpu < 0) return std::nullopt;
  if (fake_gpus()) return fake_held_mib(pids);
  return Nvml::get().held_mib(gpu, pids);
}

}  // namespace quante::worker
