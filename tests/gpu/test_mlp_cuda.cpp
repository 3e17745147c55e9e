// The mlp's CUDA back-end against its CPU back-end on the digits set: on a fixed seed both compute
// the same run (same initial weights, batch order and dropout masks) up to float rounding; a device
// out-of-memory fails the job, and the objective works again once memory is free. Skipped (with a
// warning) without a GPU.
#include <catch2/catch.hpp>

#include <cmath>

#include "mlp_cpu.hpp"
#include "mlp_objective.hpp"
#include "mlp_test_data.hpp"
#include "objective.hpp"
#ifdef QUANTE_WITH_CUDA
#include <cuda_runtime.h>

#include "cuda/cuda_device.hpp"
#include "cuda/mlp_cuda.hpp"
#endif

using namespace quante;
using namespace quante::mlp;

namespace {

bool have_gpu() {
#ifdef QUANTE_WITH_CUDA
  const auto count = cuda::device_count();
  if (count.count > 0) return true;
  WARN("skipped: no GPU (" << count.error << ")");
#else
  WARN("skipped: this build has no CUDA");
#endif
  return false;
}

}  // namespace

TEST_CASE("mlp cuda: the GPU run matches the CPU run on a fixed seed", "[gpu][mlp]") {
  if (!have_gpu()) return;
#ifdef QUANTE_WITH_CUDA
  const auto data = test::load_digits();
  CpuMlpTrainer cpu(data);
  const auto gpu = make_cuda_trainer(data);
  INFO("GPU: " << gpu->device());
  struct Case {
    const char* name;
    MlpHyper hyper;
  };
  std::vector<Case> cases;
  MlpHyper adam;
  adam.widths = {64, 32};
  adam.epochs = 2;
  adam.batch_size = 64;
  adam.lr = 1e-3;
  adam.seed = 3;
  cases.push_back({"adam relu", adam});
  MlpHyper sgd = adam;
  sgd.optimizer = OptimizerKind::Sgd;
  sgd.lr = 0.02;
  sgd.activation = Activation::Tanh;
  sgd.weight_decay = 1e-3;
  sgd.batch_size = 100;  // a smaller last batch
  cases.push_back({"sgd tanh decay", sgd});
  MlpHyper drop = adam;
  drop.activation = Activation::Gelu;
  drop.dropout = 0.25;
  drop.widths = {48, 48, 48};
  cases.push_back({"adam gelu dropout", drop});
  MlpHyper linear = adam;
  linear.widths = {};
  cases.push_back({"linear", linear});
  for (const auto& c : cases) {
    INFO(c.name);
    const MlpRunResult a = cpu.train(c.hyper, {});
    const MlpRunResult b = gpu->train(c.hyper, {});
    REQUIRE(a.train_loss.size() == b.train_loss.size());
    for (std::size_t e = 0; e < a.train_loss.size(); ++e) CHECK(b.train_loss[e] == Approx(a.train_loss[e]).epsilon(1e-3));
    CHECK(b.val_loss == Approx(a.val_loss).epsilon(2e-3));
    CHECK(std::abs(b.val_accuracy - a.val_accuracy) <= 2.0 / data->n_val + 1e-12);
  }
#endif
}

TEST_CASE("mlp cuda: an out-of-memory job fails with the reason, the next job succeeds", "[gpu][mlp]") {
  if (!have_gpu()) return;
#ifdef QUANTE_WITH_CUDA
  auto made = worker::make_objective("builtin:mlp?data=" + test::digits_path() + "&label=label&device=cuda&epochs=1", {});
  REQUIRE(made);
  auto& objective = **made;
  const Params small = {{"layers", std::int64_t{1}}, {"width", std::int64_t{32}}};
  REQUIRE(objective.evaluate("J0", small).ok);  // context and data on the GPU
  // Take almost all free memory, then ask for 16 layers of 4096 x 4096 (4 GiB of weights + state).
  std::size_t free_bytes = 0, total = 0;
  REQUIRE(cudaMemGetInfo(&free_bytes, &total) == cudaSuccess);
  void* hog = nullptr;
  const std::size_t take = free_bytes > (256u << 20) ? free_bytes - (256u << 20) : 0;
  REQUIRE(cudaMalloc(&hog, take) == cudaSuccess);
  const worker::Evaluation e =
      objective.evaluate("J1", {{"layers", std::int64_t{16}}, {"width", std::int64_t{4096}}});
  cudaFree(hog);
  INFO(e.error);
  CHECK_FALSE(e.ok);
  CHECK(e.failure == worker::FailureKind::Crashed);
  CHECK(e.error.find("out of memory") != std::string::npos);
  const worker::Evaluation after = objective.evaluate("J2", small);
  INFO(after.error);
  CHECK(after.ok);
#endif
}

TEST_CASE("mlp cuda: the epoch hook sees the CPU's per-epoch validation and can end the run", "[gpu][mlp][curve]") {
  if (!have_gpu()) return;
#ifdef QUANTE_WITH_CUDA
  const auto data = test::load_digits();
  CpuMlpTrainer cpu(data);
  const auto gpu = make_cuda_trainer(data);
  MlpHyper h;
  h.widths = {64};
  h.epochs = 4;
  h.batch_size = 64;
  h.lr = 1e-3;
  h.seed = 9;
  std::vector<MlpEpoch> on_cpu, on_gpu;
  const MlpRunResult a = cpu.train(h, {}, [&](const MlpEpoch& e) { on_cpu.push_back(e); return true; });
  const MlpRunResult b = gpu->train(h, {}, [&](const MlpEpoch& e) { on_gpu.push_back(e); return e.epoch < 3; });
  REQUIRE(on_cpu.size() == 4);
  REQUIRE(on_gpu.size() == 3);  // told to stop after epoch 3
  CHECK(b.epochs_run == 3);
  for (std::size_t e = 0; e < on_gpu.size(); ++e) {
    CHECK(on_gpu[e].epoch == on_cpu[e].epoch);
    CHECK(on_gpu[e].val_loss == Approx(on_cpu[e].val_loss).epsilon(2e-3));
    CHECK(std::abs(on_gpu[e].val_accuracy - on_cpu[e].val_accuracy) <= 2.0 / data->n_val + 1e-12);
  }
  CHECK(b.val_loss == on_gpu.back().val_loss);
  CHECK(a.val_loss == on_cpu.back().val_loss);
  // A run with the hook trains exactly as one without (validation does not touch the training).
  const MlpRunResult plain = gpu->train(h, {});
  CHECK(plain.val_loss == Approx(a.val_loss).epsilon(2e-3));
#endif
}
