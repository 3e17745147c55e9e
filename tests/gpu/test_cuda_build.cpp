// The build check: when CMake found nvcc (QUANTE_EXPECT_CUDA), the CUDA parts must have been
// compiled and linked in: the worker's CUDA library and the qEI screening kernel.
#include <catch2/catch.hpp>

#include <string>

#include "qei_screen.hpp"
#ifdef QUANTE_WITH_CUDA
#include "cuda/cuda_device.hpp"
#endif

TEST_CASE("cuda build: the CUDA sources were compiled when nvcc is present", "[gpu][build]") {
#ifdef QUANTE_EXPECT_CUDA
#ifndef QUANTE_WITH_CUDA
  FAIL("nvcc was found but quante_worker was built without QUANTE_WITH_CUDA");
#else
  const std::string archs = quante::cuda::compiled_architectures();
  INFO("CUDA architectures: " << archs);
  CHECK_FALSE(archs.empty());
  CHECK(archs != "unknown");
#endif
#ifndef QUANTE_QEI_SCREEN_CUDA
  FAIL("nvcc was found but quante_qei_screen was built without its CUDA kernel");
#endif
  std::string why;
  const bool gpu = quante::opt::qei_screen_gpu_available(&why);
  if (!gpu) WARN("CUDA parts compiled; no GPU here (" << why << "): GPU cases are skipped");
#else
  WARN("this build has no CUDA (nvcc not found): only the CPU paths are tested");
  SUCCEED();
#endif
}
