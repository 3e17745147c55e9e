// bench_gpu [--quick] [--data PATH]: GPU vs CPU numbers for scripts/gpu-check.
//  1. mlp on the digits set: seconds per epoch and validation accuracy for a few network sizes,
//     CPU (Eigen, one thread) and GPU (cuBLAS + kernels), same seed;
//  2. qEI screening: batches scored per second by QeiScreener on the CPU and the GPU, and the
//     largest difference between their scores on the same base samples.
// Numbers for the notes; nothing here is asserted.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "mlp_cpu.hpp"
#include "mlp_data.hpp"
#include "qei_screen.hpp"
#include "rng.hpp"
#include "sobol.hpp"
#ifdef QUANTE_WITH_CUDA
#include "cuda/cuda_device.hpp"
#include "cuda/mlp_cuda.hpp"
#endif

using namespace quante;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void bench_mlp(const std::string& path, bool quick) {
  mlp::MlpSpec spec;
  spec.data = path;
  spec.label = "label";
  auto loaded = mlp::load_mlp_dataset(spec);
  if (auto* error = std::get_if<std::string>(&loaded)) {
    std::printf("mlp: %s\n", error->c_str());
    return;
  }
  auto data = std::make_shared<const mlp::MlpDataset>(std::get<mlp::MlpDataset>(std::move(loaded)));
  std::printf("\n== mlp on %s\n", data->source.c_str());
  std::unique_ptr<mlp::MlpTrainer> gpu;
#ifdef QUANTE_WITH_CUDA
  if (cuda::device_count().count > 0) {
    try {
      gpu = mlp::make_cuda_trainer(data);
    } catch (const std::exception& e) {
      std::printf("GPU trainer: %s\n", e.what());
    }
  }
#endif
  if (!gpu) std::printf("(no GPU: CPU numbers only)\n");
  mlp::CpuMlpTrainer cpu(data);
  struct Config {
    std::vector<int> widths;
    int batch, epochs;
  };
  std::vector<Config> configs = {{{64, 64}, 64, 5}, {{256, 256}, 128, 5}, {{1024, 1024, 1024}, 256, 3}};
  if (quick) configs.resize(2);
  std::printf("%-22s %6s %6s | %12s %8s | %12s %8s | %8s\n", "network", "batch", "epochs", "CPU s/epoch", "CPU acc",
              "GPU s/epoch", "GPU acc", "speed-up");
  for (const auto& c : configs) {
    mlp::MlpHyper h;
    h.widths = c.widths;
    h.batch_size = c.batch;
    h.epochs = c.epochs;
    h.lr = 1e-3;
    h.seed = 1;
    std::string name;
    for (int w : c.widths) name += (name.empty() ? "" : "-") + std::to_string(w);
    const auto rc = cpu.train(h, {});
    const double cpu_epoch = rc.train_seconds / c.epochs;
    if (gpu) {
      mlp::MlpHyper warm = h;
      warm.epochs = 1;
      gpu->train(warm, {});  // kernels loaded, cuBLAS heuristics warmed
      const auto rg = gpu->train(h, {});
      const double gpu_epoch = rg.train_seconds / c.epochs;
      std::printf("%-22s %6d %6d | %12.5f %8.4f | %12.5f %8.4f | %7.1fx\n", name.c_str(), c.batch, c.epochs, cpu_epoch,
                  rc.val_accuracy, gpu_epoch, rg.val_accuracy, cpu_epoch / gpu_epoch);
    } else {
      std::printf("%-22s %6d %6d | %12.5f %8.4f | %12s %8s | %8s\n", name.c_str(), c.batch, c.epochs, cpu_epoch,
                  rc.val_accuracy, "-", "-", "-");
    }
  }
}

void bench_screening(bool quick) {
  const int M = 1024, q = 4, pending = 4, m = q + pending, N = 512;
  const int B = quick ? 1024 : 8192;
  std::printf("\n== qEI screening: %d batches of %d new + %d pending points, %d QMC samples, pool %d\n", B, q, pending,
              N, M);
  opt::Rng rng(7);
  Eigen::MatrixXd A(M, 48);
  for (Eigen::Index i = 0; i < A.size(); ++i) A.data()[i] = opt::standard_normal(rng);
  const Eigen::MatrixXd cov = A * A.transpose() / 48.0 + 1e-6 * Eigen::MatrixXd::Identity(M, M);
  Eigen::VectorXd mean(M);
  for (int i = 0; i < M; ++i) mean(i) = 0.5 * opt::standard_normal(rng) + 0.3;
  std::vector<std::vector<int>> batches;
  for (int b = 0; b < B; ++b) {
    std::vector<int> idx;
    while (static_cast<int>(idx.size()) < q) {
      const int c = static_cast<int>(opt::uniform_index(rng, M - pending));
      if (std::find(idx.begin(), idx.end(), c) == idx.end()) idx.push_back(c);
    }
    for (int p = 0; p < pending; ++p) idx.push_back(M - pending + p);
    batches.push_back(idx);
  }
  const Eigen::MatrixXd z = opt::sobol_normal(N, m, 11);
  opt::QeiScreener cpu(opt::ScreenDevice::Cpu);
  auto t = Clock::now();
  const auto c = cpu.score_subsets(mean, cov, batches, 0.0, z);
  const double cpu_s = seconds_since(t);
  std::printf("CPU: %10.0f batches/s (%.3f s)\n", B / cpu_s, cpu_s);
  opt::QeiScreener gpu(opt::ScreenDevice::Cuda);
  if (!gpu.uses_gpu()) {
    std::printf("GPU: none (%s)\n", gpu.last_error().c_str());
    return;
  }
  gpu.score_subsets(mean, cov, batches, 0.0, z);  // warm-up
  const int reps = 5;
  t = Clock::now();
  opt::ScreenScores g;
  for (int r = 0; r < reps; ++r) g = gpu.score_subsets(mean, cov, batches, 0.0, z);
  const double gpu_s = seconds_since(t) / reps;
  double worst = 0.0;
  for (int b = 0; b < B; ++b) worst = std::max(worst, std::abs(g.value[static_cast<std::size_t>(b)] - c.value[static_cast<std::size_t>(b)]));
  std::printf("GPU: %10.0f batches/s (%.4f s per call, transfers included) on %s: %.1fx; largest |GPU - CPU| %.2e%s\n",
              B / gpu_s, gpu_s, gpu.device_name().c_str(), cpu_s / gpu_s, worst, g.on_gpu ? "" : " (fell back to CPU!)");
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string data = std::string(QUANTE_SOURCE_DIR) + "/data/digits.csv";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
    else {
      std::fprintf(stderr, "usage: bench_gpu [--quick] [--data PATH]\n");
      return 2;
    }
  }
#ifdef QUANTE_WITH_CUDA
  const auto count = cuda::device_count();
  std::printf("CUDA build (architectures %s); GPUs visible: %d%s%s\n", cuda::compiled_architectures().c_str(),
              count.count, count.count ? ", device 0: " : " ", count.count ? cuda::device_description(0).c_str() : count.error.c_str());
#else
  std::printf("no CUDA in this build\n");
#endif
  bench_mlp(data, quick);
  bench_screening(quick);
  return 0;
}
