// The pieces behind several trials per GPU: the leak guard's rule, the out-of-memory reading of
// error texts, the fake GPU memory of QUANTE_FAKE_GPUS, and the GPU taken from an inherited
// CUDA_VISIBLE_DEVICES (Slurm's).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include "gpu_info.hpp"
#include "gpu_memory.hpp"
#include "memory_guard.hpp"
#include "objectives/objective.hpp"
#include "process.hpp"
#include "scoped_env.hpp"

using quante::test::ScopedEnv;

using namespace quante::worker;

TEST_CASE("memory guard: a baseline after the first job, a restart past growth or share", "[gpu-sharing]") {
  MemoryGuard guard({/*growth_mib=*/1024, /*limit_mib=*/20000});
  CHECK_FALSE(guard.after_job(3000).restart);  // the baseline
  CHECK(guard.baseline() == 3000);
  CHECK_FALSE(guard.after_job(2500).restart);  // gave some back
  CHECK_FALSE(guard.after_job(4024).restart);  // exactly the growth allowed
  const auto leak = guard.after_job(4025);
  CHECK(leak.restart);
  CHECK(leak.reason.find("1025 MiB more than after its first job") != std::string::npos);
  CHECK(guard.still_held(4100));
  CHECK_FALSE(guard.still_held(3100));
  guard.restarted();
  CHECK_FALSE(guard.after_job(5000).restart);  // a new baseline
  CHECK(guard.baseline() == 5000);
  const auto over = guard.after_job(20001);  // over the slot's share, whatever the baseline
  CHECK(over.restart);
  CHECK(over.reason.find("over this worker's share of 20000 MiB") != std::string::npos);

  MemoryGuard off({0, 100});
  CHECK_FALSE(off.after_job(1000000).restart);
  CHECK_FALSE(off.still_held(1000000));
}

TEST_CASE("out of memory is read from the error texts of CUDA, PyTorch, cuBLAS, XLA", "[gpu-sharing]") {
  CHECK(looks_like_out_of_memory("OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"));
  CHECK(looks_like_out_of_memory("RuntimeError: CUDA error: out of memory"));
  CHECK(looks_like_out_of_memory("cuBLAS error in gemm: CUBLAS_STATUS_ALLOC_FAILED"));
  CHECK(looks_like_out_of_memory("RESOURCE_EXHAUSTED: Out of memory while trying to allocate 1073741824 bytes."));
  CHECK(looks_like_out_of_memory("cudaErrorMemoryAllocation"));
  CHECK_FALSE(looks_like_out_of_memory("ValueError: lr must be positive"));
  CHECK_FALSE(looks_like_out_of_memory("MemoryError"));  // the host's memory, not the GPU's
}


TEST_CASE("fake GPUs: total memory per GPU and per-process holdings from files", "[gpu-sharing]") {
  quante::test::TempDir dir;
  ScopedEnv fake("QUANTE_FAKE_GPUS", "2");
  ScopedEnv state("QUANTE_FAKE_GPU_STATE", dir.path().c_str());
  {
    ScopedEnv memory("QUANTE_FAKE_GPU_MEMORY_MIB", nullptr);
    CHECK(gpu_total_mib(0) == 16384);
  }
  ScopedEnv memory("QUANTE_FAKE_GPU_MEMORY_MIB", "8192,24576");
  CHECK(gpu_total_mib(0) == 8192);
  CHECK(gpu_total_mib(1) == 24576);
  CHECK(gpu_total_mib(7) == 24576);  // past the list: its last value
  CHECK_FALSE(gpu_total_mib(-1));
  std::ofstream(dir.file("100")) << "700\n";
  std::ofstream(dir.file("200")) << "50\n";
  CHECK(gpu_memory_held_mib(0, {100, 200, 300}) == 750);
  CHECK(gpu_memory_held_mib(0, {300}) == 0);
}

TEST_CASE("a single index in an inherited CUDA_VISIBLE_DEVICES is the worker's GPU", "[gpu-sharing]") {
  {
    ScopedEnv visible("CUDA_VISIBLE_DEVICES", "3");
    CHECK(inherited_gpu() == 3);
  }
  for (const char* other : {"0,1", "GPU-8f1c2d3e", "", "-1"}) {
    ScopedEnv visible("CUDA_VISIBLE_DEVICES", other);
    CHECK_FALSE(inherited_gpu());
  }
  ScopedEnv unset("CUDA_VISIBLE_DEVICES", nullptr);
  CHECK_FALSE(inherited_gpu());
}
