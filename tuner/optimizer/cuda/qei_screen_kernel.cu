// The CUDA kernel of batch qEI screening (see qei_screen.hpp): one thread block per batch.
//   1. gather the batch's mean and symmetrised covariance into shared memory;
//   2. thread 0 factors it with reparameterisation.cpp's jitter schedule (1e-9 relative, growing
//      tenfold up to 1e-2, then the clipped diagonal; a non-finite input gives a zero factor);
//   3. the block's threads share the N base samples: f_s = mu + L z_s, improvement
//      max(0, T - min_i f_si), summed with its square in double precision;
//   4. a shared-memory reduction gives the mean and its standard error.
#include <cuda_runtime.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "qei_screen_cuda.hpp"

namespace quante::opt::cuda_screen {

namespace {

constexpr int kThreads = 128;
constexpr int kMaxM = 32;  // QeiScreener::kMaxGpuBatch

void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  if (status == cudaErrorMemoryAllocation) cudaGetLastError();
  throw std::runtime_error(std::string("CUDA ") + (status == cudaErrorMemoryAllocation ? "out of memory" : "error") +
                           " in " + what + ": " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
}

struct Device {
  void* ptr = nullptr;
  explicit Device(std::size_t bytes) {
    if (bytes) check(cudaMalloc(&ptr, bytes), "cudaMalloc");
  }
  ~Device() {
    if (ptr) cudaFree(ptr);
  }
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr);
  }
};

// In place: the lower Cholesky factor of a (m x m, row-major, lower triangle read); false when a
// pivot is not positive (Eigen's LLT criterion).
__device__ bool cholesky(double* a, int m) {
  for (int k = 0; k < m; ++k) {
    double x = a[k * m + k];
    for (int j = 0; j < k; ++j) x -= a[k * m + j] * a[k * m + j];
    if (!(x > 0.0)) return false;
    const double d = sqrt(x);
    a[k * m + k] = d;
    for (int i = k + 1; i < m; ++i) {
      double y = a[i * m + k];
      for (int j = 0; j < k; ++j) y -= a[i * m + j] * a[k * m + j];
      a[i * m + k] = y / d;
    }
  }
  for (int i = 0; i < m; ++i)
    for (int j = i + 1; j < m; ++j) a[i * m + j] = 0.0;
  return true;
}

__global__ void screen_kernel(Problem p, double* values, double* errors) {
  __shared__ double mu[kMaxM];
  __shared__ double sym[kMaxM * kMaxM];
  __shared__ double lower[kMaxM * kMaxM];
  __shared__ double sums[kThreads];
  __shared__ double sums2[kThreads];
  __shared__ int finite;
  const int b = blockIdx.x;
  const int m = p.m;
  const int tid = threadIdx.x;
  if (tid == 0) finite = 1;
  __syncthreads();
  for (int e = tid; e < m * m; e += blockDim.x) {
    const int i = e / m, j = e % m;
    double cij, cji;
    if (p.subsets) {
      const long long gi = p.subsets[static_cast<long long>(b) * m + i];
      const long long gj = p.subsets[static_cast<long long>(b) * m + j];
      cij = p.cov[gi * p.dim + gj];
      cji = p.cov[gj * p.dim + gi];
      if (j == 0) mu[i] = p.mean[gi];
    } else {
      const double* c = p.cov + static_cast<long long>(b) * m * m;
      cij = c[i * m + j];
      cji = c[j * m + i];
      if (j == 0) mu[i] = p.mean[static_cast<long long>(b) * m + i];
    }
    sym[e] = 0.5 * (cij + cji);
    if (!isfinite(sym[e])) finite = 0;
  }
  __syncthreads();
  if (tid == 0) {
    for (int i = 0; i < m; ++i)
      if (!isfinite(mu[i])) finite = 0;
    bool done = false;
    if (!finite) {
      for (int e = 0; e < m * m; ++e) lower[e] = 0.0;
      done = true;
    }
    double scale = 0.0;
    for (int i = 0; i < m && !done; ++i) scale = fmax(scale, fabs(sym[i * m + i]));
    scale = fmax(scale, 1e-12);
    for (double rel = 1e-9; rel <= 1e-2 && !done; rel *= 10.0) {
      for (int e = 0; e < m * m; ++e) lower[e] = sym[e];
      for (int i = 0; i < m; ++i) lower[i * m + i] += rel * scale;
      done = cholesky(lower, m);
    }
    if (!done) {
      for (int e = 0; e < m * m; ++e) lower[e] = 0.0;
      for (int i = 0; i < m; ++i) lower[i * m + i] = sqrt(fmax(sym[i * m + i], 0.0));
    }
  }
  __syncthreads();
  double sum = 0.0, sum2 = 0.0;
  if (finite) {
    for (int s = tid; s < p.n; s += blockDim.x) {
      const double* z = p.samples + static_cast<long long>(s) * m;
      double fmin = INFINITY;
      for (int i = 0; i < m; ++i) {
        double f = mu[i];
        for (int j = 0; j <= i; ++j) f += lower[i * m + j] * z[j];
        fmin = fmin < f ? fmin : f;
      }
      const double imp = p.incumbent - fmin;
      if (imp > 0.0) {
        sum += imp;
        sum2 += imp * imp;
      }
    }
  } else if (tid == 0) {  // a zero factor: every sample is the mean
    double fmin = INFINITY;
    for (int i = 0; i < m; ++i) fmin = fmin < mu[i] ? fmin : mu[i];
    const double imp = p.incumbent - fmin;
    if (imp > 0.0) {
      sum = imp * p.n;
      sum2 = imp * imp * p.n;
    }
  }
  sums[tid] = sum;
  sums2[tid] = sum2;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (tid < stride) {
      sums[tid] += sums[tid + stride];
      sums2[tid] += sums2[tid + stride];
    }
    __syncthreads();
  }
  if (tid == 0) {
    const double n = static_cast<double>(p.n);
    const double value = sums[0] / n;
    const double var = fmax(0.0, sums2[0] / n - value * value);
    values[b] = value;
    errors[b] = p.n > 1 ? sqrt(var / (n - 1.0)) : 0.0;
  }
}

}  // namespace

void score(const Problem& problem, double* values, double* errors) {
  if (problem.m < 1 || problem.m > kMaxM) throw std::runtime_error("qEI screening: batch size outside 1..32 on the GPU");
  if (problem.batches == 0 || problem.n == 0) return;
  check(cudaSetDevice(0), "cudaSetDevice");
  const std::size_t B = static_cast<std::size_t>(problem.batches), m = static_cast<std::size_t>(problem.m);
  const std::size_t mean_count = problem.subsets ? static_cast<std::size_t>(problem.dim) : B * m;
  const std::size_t cov_count = problem.subsets ? static_cast<std::size_t>(problem.dim) * problem.dim : B * m * m;
  Device mean(mean_count * sizeof(double)), cov(cov_count * sizeof(double));
  Device subsets(problem.subsets ? B * m * sizeof(int) : 0);
  Device samples(static_cast<std::size_t>(problem.n) * m * sizeof(double));
  Device out(2 * B * sizeof(double));
  check(cudaMemcpy(mean.ptr, problem.mean, mean_count * sizeof(double), cudaMemcpyHostToDevice), "cudaMemcpy");
  check(cudaMemcpy(cov.ptr, problem.cov, cov_count * sizeof(double), cudaMemcpyHostToDevice), "cudaMemcpy");
  if (problem.subsets)
    check(cudaMemcpy(subsets.ptr, problem.subsets, B * m * sizeof(int), cudaMemcpyHostToDevice), "cudaMemcpy");
  check(cudaMemcpy(samples.ptr, problem.samples, static_cast<std::size_t>(problem.n) * m * sizeof(double),
                   cudaMemcpyHostToDevice),
        "cudaMemcpy");
  Problem device = problem;
  device.mean = mean.as<double>();
  device.cov = cov.as<double>();
  device.subsets = problem.subsets ? subsets.as<int>() : nullptr;
  device.samples = samples.as<double>();
  screen_kernel<<<static_cast<unsigned>(B), kThreads>>>(device, out.as<double>(), out.as<double>() + B);
  check(cudaGetLastError(), "screen_kernel launch");
  check(cudaMemcpy(values, out.as<double>(), B * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy (values)");
  check(cudaMemcpy(errors, out.as<double>() + B, B * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy (errors)");
}

int device_count(std::string* why) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    if (why) *why = std::string("CUDA: ") + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")";
    return 0;
  }
  if (count == 0 && why) *why = "CUDA sees no device";
  return count;
}

std::string device_name() {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    cudaGetLastError();
    return "cuda";
  }
  return prop.name;
}

}  // namespace quante::opt::cuda_screen
