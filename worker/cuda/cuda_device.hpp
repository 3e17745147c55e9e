// What CUDA sees in this process (after CUDA_VISIBLE_DEVICES): plain C++ over the CUDA runtime, so
// the worker's C++ code needs no CUDA headers. Compiled only when CUDA is found
// (QUANTE_WITH_CUDA); none of these throw.
#pragma once

#include <string>

namespace quante::cuda {

struct DeviceCount {
  int count = 0;
  std::string error;  // why there are none (no driver, no device ...), empty when count > 0
};
DeviceCount device_count();

// "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)", or empty when the device cannot be queried.
std::string device_description(int index);

// The architectures this build's kernels were compiled for, e.g. "80,90" (a build check).
std::string compiled_architectures();

}  // namespace quante::cuda
