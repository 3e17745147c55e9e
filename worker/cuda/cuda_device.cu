// Device queries over the CUDA runtime; see cuda_device.hpp.
#include "cuda_device.hpp"

#include <cuda_runtime.h>

#include <cstdio>

namespace quante::cuda {

DeviceCount device_count() {
  DeviceCount out;
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    out.error = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
    cudaGetLastError();  // not sticky: clear it
    return out;
  }
  out.count = count;
  if (count == 0) out.error = "no CUDA device is visible";
  return out;
}

std::string device_description(int index) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, index) != cudaSuccess) {
    cudaGetLastError();
    return {};
  }
  char text[512];
  std::snprintf(text, sizeof text, "%s (sm_%d%d, %.1f GiB)", prop.name, prop.major, prop.minor,
                static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
  return text;
}

std::string compiled_architectures() {
#ifdef QUANTE_CUDA_ARCHITECTURES
  return QUANTE_CUDA_ARCHITECTURES;
#else
  return "unknown";
#endif
}

}  // namespace quante::cuda
