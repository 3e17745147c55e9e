// Batch qEI screening: validation, the CPU path and the dispatch to the GPU; see qei_screen.hpp.
#include "qei_screen.hpp"

#include <stdexcept>

#include "qei_monte_carlo.hpp"
#ifdef QUANTE_QEI_SCREEN_CUDA
#include "qei_screen_cuda.hpp"
#endif

namespace quante::opt {

bool qei_screen_gpu_available(std::string* why) {
#ifdef QUANTE_QEI_SCREEN_CUDA
  return cuda_screen::device_count(why) > 0;
#else
  if (why) *why = "this build has no CUDA (nvcc was not found)";
  return false;
#endif
}

QeiScreener::QeiScreener(ScreenDevice device) {
  if (device == ScreenDevice::Cpu) return;
  std::string why;
  if (qei_screen_gpu_available(&why)) {
    use_gpu_ = true;
#ifdef QUANTE_QEI_SCREEN_CUDA
    device_name_ = cuda_screen::device_name();
#endif
  } else if (device == ScreenDevice::Cuda) {
    last_error_ = "no GPU for qEI screening: " + why;
  }
}

QeiScreener::~QeiScreener() = default;

namespace {

ScreenScores zero_scores(std::size_t batches) {
  ScreenScores out;
  out.value.assign(batches, 0.0);
  out.std_error.assign(batches, 0.0);
  return out;
}

}  // namespace

// The one GPU attempt of both entry points: `describe(problem)` sets the posterior fields of the
// cuda_screen::Problem (and keeps alive what they point to until the call returns). A device
// error is recorded and sends this and every later call to the CPU.
template <class Describe>
bool QeiScreener::score_on_gpu(int m, double incumbent, const Eigen::MatrixXd& base_samples, Describe&& describe,
                               ScreenScores& out) {
#ifdef QUANTE_QEI_SCREEN_CUDA
  if (!use_gpu_ || m > kMaxGpuBatch) return false;
  try {
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> z = base_samples;
    cuda_screen::Problem p;
    describe(p);
    p.batches = static_cast<int>(out.value.size());
    p.m = m;
    p.samples = z.data();
    p.n = static_cast<int>(z.rows());
    p.incumbent = incumbent;
    cuda_screen::score(p, out.value.data(), out.std_error.data());
    out.on_gpu = true;
    return true;
  } catch (const std::exception& e) {
    last_error_ = std::string("GPU qEI screening failed, using the CPU from now on: ") + e.what();
    use_gpu_ = false;
    device_name_ = "cpu";
  }
#else
  (void)m, (void)incumbent, (void)base_samples, (void)describe, (void)out;
#endif
  return false;
}

ScreenScores QeiScreener::score_subsets(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov,
                                        const std::vector<std::vector<int>>& batches, double incumbent,
                                        const Eigen::MatrixXd& base_samples) {
  const Eigen::Index M = mean.size();
  const int m = static_cast<int>(base_samples.cols());
  if (cov.rows() != M || cov.cols() != M) throw std::invalid_argument("score_subsets: cov is not M x M");
  std::vector<int> flat;
  flat.reserve(batches.size() * static_cast<std::size_t>(m));
  for (const auto& batch : batches) {
    if (static_cast<int>(batch.size()) != m)
      throw std::invalid_argument("score_subsets: a batch's size differs from the base samples' width");
    for (int i : batch) {
      if (i < 0 || i >= M) throw std::invalid_argument("score_subsets: index outside the posterior");
      flat.push_back(i);
    }
  }
  const std::size_t B = batches.size();
  ScreenScores out = zero_scores(B);
  if (B == 0 || m == 0 || base_samples.rows() == 0) return out;
  const auto on_gpu = [&](auto& p) {
    p.mean = mean.data();
    p.cov = cov.data();
    p.dim = static_cast<int>(M);
    p.subsets = flat.data();
  };
  if (score_on_gpu(m, incumbent, base_samples, on_gpu, out)) return out;
  Eigen::VectorXd mu(m);
  Eigen::MatrixXd sigma(m, m);
  for (std::size_t b = 0; b < B; ++b) {
    const int* idx = flat.data() + b * static_cast<std::size_t>(m);
    for (int i = 0; i < m; ++i) {
      mu(i) = mean(idx[i]);
      for (int j = 0; j < m; ++j) sigma(i, j) = cov(idx[i], idx[j]);
    }
    const McAcquisition mc = qei_monte_carlo(mu, sigma, incumbent, base_samples, false);
    out.value[b] = mc.value;
    out.std_error[b] = mc.std_error;
  }
  return out;
}

ScreenScores QeiScreener::score_posteriors(const std::vector<Eigen::VectorXd>& means,
                                           const std::vector<Eigen::MatrixXd>& covs, double incumbent,
                                           const Eigen::MatrixXd& base_samples) {
  if (means.size() != covs.size()) throw std::invalid_argument("score_posteriors: as many means as covariances");
  const int m = static_cast<int>(base_samples.cols());
  for (std::size_t b = 0; b < means.size(); ++b)
    if (means[b].size() != m || covs[b].rows() != m || covs[b].cols() != m)
      throw std::invalid_argument("score_posteriors: a batch's size differs from the base samples' width");
  const std::size_t B = means.size();
  ScreenScores out = zero_scores(B);
  if (B == 0 || m == 0 || base_samples.rows() == 0) return out;
  std::vector<double> mean_flat, cov_flat;  // the GPU's layout: batch after batch
  const auto on_gpu = [&](auto& p) {
    mean_flat.reserve(B * static_cast<std::size_t>(m));
    cov_flat.reserve(B * static_cast<std::size_t>(m) * static_cast<std::size_t>(m));
    for (std::size_t b = 0; b < B; ++b) {
      mean_flat.insert(mean_flat.end(), means[b].data(), means[b].data() + m);
      cov_flat.insert(cov_flat.end(), covs[b].data(), covs[b].data() + static_cast<std::ptrdiff_t>(m) * m);
    }
    p.mean = mean_flat.data();
    p.cov = cov_flat.data();
  };
  if (score_on_gpu(m, incumbent, base_samples, on_gpu, out)) return out;
  for (std::size_t b = 0; b < B; ++b) {
    const McAcquisition mc = qei_monte_carlo(means[b], covs[b], incumbent, base_samples, false);
    out.value[b] = mc.value;
    out.std_error[b] = mc.std_error;
  }
  return out;
}

}  // namespace quante::opt
