// Screening many candidate batches by Monte Carlo qEI at once, on a GPU when there is one.
//
// The batch optimizer (batch_optimizer.hpp, step 2) scores random q-subsets of its candidate pool
// on sub-blocks of one joint posterior. This scores B such batches together: for each batch b with
// joint posterior (mu_b, Sigma_b) of its m points (new points and pending ones), the MC qEI for
// minimisation with common base samples z_s (Wilson et al. 2018; as qei_monte_carlo.hpp):
//     qEI_b ~ (1/N) sum_s max(0, T - min_i f_si),   f_s = mu_b + L_b z_s,  L_b L_b^T = Sigma_b + jitter I
// with the same jitter schedule as reparameterisation.hpp's joint_factor, so that with the same base
// samples the GPU's scores equal the CPU's up to floating-point rounding. On the CUDA path each
// batch is one thread block: it gathers its sub-block, factors it in shared memory, and its threads
// share the N samples; everything is in double precision.
//
// The CPU path (always built) calls qei_monte_carlo per batch. The CUDA path is compiled when nvcc
// is found (QUANTE_QEI_SCREEN_CUDA) and used when a GPU is visible and m <= kMaxGpuBatch; a GPU
// failure falls back to the CPU for that call and every later one (last_error() says why), so the
// tuner never stops for a device error. Links Eigen (and the CUDA runtime when built with it); no
// logging.
#pragma once

#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

namespace quante::opt {

enum class ScreenDevice { Auto, Cpu, Cuda };

struct ScreenScores {
  std::vector<double> value;      // MC qEI of each batch
  std::vector<double> std_error;  // its sample standard error
  bool on_gpu = false;            // computed on the GPU
};

class QeiScreener {
 public:
  static constexpr int kMaxGpuBatch = 32;  // points per batch (new + pending) on the GPU path

  // Auto: the GPU when built with CUDA and one is visible; Cuda: the same, but say so in
  // last_error() when there is none; Cpu: never the GPU.
  explicit QeiScreener(ScreenDevice device = ScreenDevice::Auto);
  ~QeiScreener();
  QeiScreener(const QeiScreener&) = delete;
  QeiScreener& operator=(const QeiScreener&) = delete;

  bool uses_gpu() const { return use_gpu_; }
  const std::string& device_name() const { return device_name_; }  // "cpu" or the GPU's name
  const std::string& last_error() const { return last_error_; }

  // Batches as index sets into one joint posterior (mean M, cov M x M): batch b is the points
  // batches[b] (each of the same size m = base_samples.cols(), indices in [0, M)). Pending points
  // are simply indices present in every batch. base_samples: N x m standard normals.
  // Throws std::invalid_argument for inconsistent sizes or indices.
  ScreenScores score_subsets(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov,
                             const std::vector<std::vector<int>>& batches, double incumbent,
                             const Eigen::MatrixXd& base_samples);

  // Batches given by their own joint posteriors (means[b]: m, covs[b]: m x m).
  ScreenScores score_posteriors(const std::vector<Eigen::VectorXd>& means, const std::vector<Eigen::MatrixXd>& covs,
                                double incumbent, const Eigen::MatrixXd& base_samples);

 private:
  template <class Describe>
  bool score_on_gpu(int m, double incumbent, const Eigen::MatrixXd& base_samples, Describe&& describe,
                    ScreenScores& out);

  bool use_gpu_ = false;
  std::string device_name_ = "cpu";
  std::string last_error_;
};

// True when this build has the CUDA path and a GPU is visible; otherwise false with the reason.
bool qei_screen_gpu_available(std::string* why = nullptr);

}  // namespace quante::opt
