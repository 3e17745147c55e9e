// CUDA implementation of the mlp training run of objectives/mlp_trainer.hpp, step for step the
// same as the Eigen one (objectives/mlp_cpu.cpp): cuBLAS SGEMM for Z = W A, dW = G A^T and
// dA = W^T G, SGEMV for the bias gradients, and kernels of our own for the batch gather, bias +
// activation + dropout, softmax cross-entropy / squared error with their gradient, the activation
// backward pass and the SGD-momentum and Adam updates (per-element formulas in mlp_math.hpp).
//
// The data set lives on the device for the life of the trainer (the worker process); each run
// allocates its parameters and activations and frees them when it ends. Every CUDA and cuBLAS
// status is checked: a failure throws CudaFailure with CUDA's reason; anything but an allocation
// failure marks the trainer unusable so that its owner starts afresh (cudaDeviceReset) next job.
#include "mlp_cuda.hpp"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "objectives/mlp_math.hpp"
#include "objectives/mlp_random.hpp"

namespace quante::mlp {

namespace {

constexpr int kEvalChunk = 4096;  // validation columns per forward pass (as on the CPU)
constexpr int kThreads = 256;

class CudaFailure : public std::runtime_error {
 public:
  CudaFailure(const std::string& what, bool sticky) : std::runtime_error(what), sticky_(sticky) {}
  bool sticky() const { return sticky_; }

 private:
  bool sticky_;
};

void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  const bool oom = status == cudaErrorMemoryAllocation;
  if (oom) cudaGetLastError();  // an allocation failure is not sticky: clear it
  throw CudaFailure(std::string(oom ? "CUDA out of memory" : "CUDA error") + " in " + what + ": " +
                        cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")",
                    !oom);
}

void check(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  const bool oom = status == CUBLAS_STATUS_ALLOC_FAILED;
  throw CudaFailure(std::string(oom ? "CUDA out of memory" : "cuBLAS error") + " in " + what + ": " +
                        cublasGetStatusName(status) + " (" + cublasGetStatusString(status) + ")",
                    !oom);
}

void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

unsigned blocks(std::size_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

// Owning device memory; frees quietly (a lost device makes cudaFree fail, which is no news).
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    if (count == 0) return;
    void* p = nullptr;
    const cudaError_t status = cudaMalloc(&p, count * sizeof(T));
    if (status != cudaSuccess) {
      std::ostringstream what;
      what << "cudaMalloc of " << count * sizeof(T) << " bytes";
      check(status, what.str().c_str());
    }
    ptr_ = static_cast<T*>(p);
  }
  ~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
  }
  DeviceBuffer(DeviceBuffer&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)), count_(other.count_) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(ptr_, other.ptr_);
    std::swap(count_, other.count_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() const { return ptr_; }
  std::size_t size() const { return count_; }
  void upload(const T* host, std::size_t count) {
    if (count) check(cudaMemcpy(ptr_, host, count * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy to device");
  }
  void zero() {
    if (count_) check(cudaMemset(ptr_, 0, count_ * sizeof(T)), "cudaMemset");
  }

 private:
  T* ptr_ = nullptr;
  std::size_t count_ = 0;
};

// ---- kernels -------------------------------------------------------------------------------

__global__ void fill_kernel(float* out, std::size_t n, float value) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i < n) out[i] = value;
}

// A0 (d x bs) and yb (bs) from the training columns order[start .. start+bs).
__global__ void gather_kernel(const float* X, const float* y, int d, const int* order, int start, int bs,
                              float* A0, float* yb) {
  const std::size_t idx = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<std::size_t>(d) * bs) return;
  const int j = static_cast<int>(idx / d), i = static_cast<int>(idx % d);
  const int r = order[start + j];
  A0[idx] = X[static_cast<std::size_t>(r) * d + i];
  if (i == 0) yb[j] = y[r];
}

// Z += b (column broadcast); for a hidden layer also next = act(Z) * dropout factor.
__global__ void bias_activate_kernel(float* Z, const float* b, int rows, int cols, int act, float* next,
                                     int drop, unsigned long long seed, unsigned long long stream, float p,
                                     float keep_scale) {
  const std::size_t idx = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<std::size_t>(rows) * cols) return;
  const float z = Z[idx] + b[idx % rows];
  Z[idx] = z;
  if (next) {
    float a = activate(act, z);
    if (drop) a *= dropout_factor(seed, stream, idx, p, keep_scale);
    next[idx] = a;
  }
}

// Softmax cross-entropy of each column; G (k x n, may be null) = (softmax - onehot) / n.
__global__ void cross_entropy_kernel(const float* Z, const float* y, int k, int n, float inv_n, float* G,
                                     double* loss_sum, unsigned long long* correct) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= n) return;
  const float* z = Z + static_cast<std::size_t>(j) * k;
  const int label = static_cast<int>(y[j]);
  float m = z[0];
  int arg = 0;
  for (int i = 1; i < k; ++i)
    if (z[i] > m) m = z[i], arg = i;
  float s = 0.0f;
  for (int i = 0; i < k; ++i) s += expf(z[i] - m);
  const float lse = m + logf(s);
  atomicAdd(loss_sum, static_cast<double>(lse - z[label]));
  if (correct && arg == label) atomicAdd(correct, 1ull);
  if (G) {
    float* g = G + static_cast<std::size_t>(j) * k;
    for (int i = 0; i < k; ++i) g[i] = (expf(z[i] - m) / s - (i == label ? 1.0f : 0.0f)) * inv_n;
  }
}

// Squared error of a single output; G = 2 (z - y) / n.
__global__ void squared_error_kernel(const float* Z, const float* y, int n, float inv_n, float* G, double* loss_sum) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= n) return;
  const float r = Z[j] - y[j];
  atomicAdd(loss_sum, static_cast<double>(r * r));
  if (G) G[j] = 2.0f * r * inv_n;
}

// dA (rows x cols) *= act'(Z) * dropout factor: from dLoss/dA to dLoss/dZ of the layer below.
__global__ void activation_backward_kernel(float* dA, const float* Z, int rows, int cols, int act, int drop,
                                           unsigned long long seed, unsigned long long stream, float p,
                                           float keep_scale) {
  const std::size_t idx = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<std::size_t>(rows) * cols) return;
  float g = dA[idx] * activate_grad(act, Z[idx]);
  if (drop) g *= dropout_factor(seed, stream, idx, p, keep_scale);
  dA[idx] = g;
}

__global__ void sgd_kernel(float* w, const float* g, float* velocity, std::size_t n, float lr, float momentum,
                           float decay) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i < n) sgd_step(w[i], g[i], velocity[i], lr, momentum, decay);
}

__global__ void adam_kernel(float* w, const float* g, float* m, float* v, std::size_t n, float lr, float c1,
                            float c2, float decay) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i < n) adam_step(w[i], g[i], m[i], v[i], lr, c1, c2, decay);
}

// ---- one run ---------------------------------------------------------------------------------

struct DeviceLayer {
  int in = 0, out = 0;
  DeviceBuffer<float> W, b, dW, db, mW, vW, mb, vb;
};

class CudaMlpTrainer final : public MlpTrainer {
 public:
  explicit CudaMlpTrainer(std::shared_ptr<const MlpDataset> data) : data_(std::move(data)) {
    check(cudaSetDevice(0), "cudaSetDevice(0)");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    name_ = prop.name;
    const MlpDataset& d = *data_;
    x_train_ = DeviceBuffer<float>(d.x_train.size());
    y_train_ = DeviceBuffer<float>(d.y_train.size());
    x_val_ = DeviceBuffer<float>(d.x_val.size());
    y_val_ = DeviceBuffer<float>(d.y_val.size());
    x_train_.upload(d.x_train.data(), d.x_train.size());
    y_train_.upload(d.y_train.data(), d.y_train.size());
    x_val_.upload(d.x_val.data(), d.x_val.size());
    y_val_.upload(d.y_val.data(), d.y_val.size());
    check(cublasCreate(&handle_), "cublasCreate");
    check(cublasSetMathMode(handle_, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");  // FP32, no TF32
  }

  ~CudaMlpTrainer() override {
    if (handle_) cublasDestroy(handle_);
    x_train_ = {};
    y_train_ = {};
    x_val_ = {};
    y_val_ = {};
    if (!usable_) cudaDeviceReset();  // a sticky error: the context is unusable
  }

  MlpRunResult train(const MlpHyper& hyper, const MlpStopCheck& stop, const MlpEpochHook& after_epoch = {}) override {
    try {
      return run(hyper, stop, after_epoch);
    } catch (const CudaFailure& failure) {
      if (failure.sticky()) usable_ = false;
      throw;
    }
  }

  std::string device() const override { return name_; }
  bool usable() const override { return usable_; }

 private:
  MlpRunResult run(const MlpHyper& hyper, const MlpStopCheck& stop, const MlpEpochHook& after_epoch);

  std::shared_ptr<const MlpDataset> data_;
  DeviceBuffer<float> x_train_, y_train_, x_val_, y_val_;
  cublasHandle_t handle_ = nullptr;
  std::string name_;
  bool usable_ = true;
};

MlpRunResult CudaMlpTrainer::run(const MlpHyper& hyper, const MlpStopCheck& stop, const MlpEpochHook& after_epoch) {
  check(cudaSetDevice(0), "cudaSetDevice(0)");
  const MlpDataset& data = *data_;
  const MlpPlan plan = make_plan(data, hyper);
  const int L = plan.linear_layers();
  const int d = data.features, n = data.n_train;
  const bool classification = data.task == Task::Classification;
  const int act = activation_code(hyper.activation);
  const int cap = std::max(std::min(hyper.batch_size, n), std::min(kEvalChunk, data.n_val));
  const auto capz = static_cast<std::size_t>(cap);
  int widest = 0;
  for (int s : plan.sizes) widest = std::max(widest, s);

  std::vector<DeviceLayer> layers(static_cast<std::size_t>(L));
  std::vector<DeviceBuffer<float>> A(static_cast<std::size_t>(L)), Z(static_cast<std::size_t>(L));
  for (int l = 0; l < L; ++l) {
    DeviceLayer& layer = layers[static_cast<std::size_t>(l)];
    layer.in = plan.sizes[static_cast<std::size_t>(l)];
    layer.out = plan.sizes[static_cast<std::size_t>(l) + 1];
    const auto w = static_cast<std::size_t>(layer.in) * layer.out, o = static_cast<std::size_t>(layer.out);
    layer.W = DeviceBuffer<float>(w);
    layer.W.upload(plan.weights[static_cast<std::size_t>(l)].data(), w);
    layer.dW = DeviceBuffer<float>(w);
    layer.mW = DeviceBuffer<float>(w);
    layer.mW.zero();
    layer.b = DeviceBuffer<float>(o);
    layer.b.zero();
    layer.db = DeviceBuffer<float>(o);
    layer.mb = DeviceBuffer<float>(o);
    layer.mb.zero();
    if (hyper.optimizer == OptimizerKind::Adam) {
      layer.vW = DeviceBuffer<float>(w);
      layer.vW.zero();
      layer.vb = DeviceBuffer<float>(o);
      layer.vb.zero();
    }
    if (l > 0) A[static_cast<std::size_t>(l)] = DeviceBuffer<float>(static_cast<std::size_t>(layer.in) * capz);
    Z[static_cast<std::size_t>(l)] = DeviceBuffer<float>(o * capz);
  }
  DeviceBuffer<float> batch(static_cast<std::size_t>(d) * capz), yb(capz), ones(capz);
  DeviceBuffer<float> grad_a(static_cast<std::size_t>(widest) * capz), grad_b(static_cast<std::size_t>(widest) * capz);
  DeviceBuffer<int> order(static_cast<std::size_t>(n));
  DeviceBuffer<double> loss_sum(1);
  DeviceBuffer<unsigned long long> correct(1);
  fill_kernel<<<blocks(capz), kThreads>>>(ones.get(), capz, 1.0f);
  check_launch("fill_kernel");

  const float one = 1.0f, zero = 0.0f;
  const bool drop_train = hyper.dropout > 0.0;
  const float p = static_cast<float>(hyper.dropout);
  const float keep_scale = drop_train ? static_cast<float>(1.0 / (1.0 - hyper.dropout)) : 1.0f;

  // Forward pass of `cols` columns from `input`; dropout when step >= 0.
  auto forward = [&](const float* input, int cols, long long step) {
    const bool drop = drop_train && step >= 0;
    for (int l = 0; l < L; ++l) {
      const auto k = static_cast<std::size_t>(l);
      const DeviceLayer& layer = layers[k];
      const float* in = l == 0 ? input : A[k].get();
      check(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, layer.out, cols, layer.in, &one, layer.W.get(), layer.out,
                        in, layer.in, &zero, Z[k].get(), layer.out),
            "cublasSgemm (forward)");
      const std::size_t count = static_cast<std::size_t>(layer.out) * cols;
      const unsigned long long stream = drop ? dropout_stream(static_cast<std::uint64_t>(step), k) : 0;
      bias_activate_kernel<<<blocks(count), kThreads>>>(Z[k].get(), layer.b.get(), layer.out, cols, act,
                                                        l + 1 < L ? A[k + 1].get() : nullptr, drop ? 1 : 0,
                                                        plan.seed, stream, p, keep_scale);
      check_launch("bias_activate_kernel");
    }
  };
  // The loss of the output layer's `cols` columns, added to loss_sum; G when given.
  auto loss = [&](const float* y, int cols, float* G, unsigned long long* hits) {
    const float inv_n = 1.0f / static_cast<float>(cols);
    const unsigned grid = blocks(static_cast<std::size_t>(cols));
    if (classification) {
      cross_entropy_kernel<<<grid, kThreads>>>(Z.back().get(), y, plan.sizes.back(), cols, inv_n, G, loss_sum.get(), hits);
      check_launch("cross_entropy_kernel");
    } else {
      squared_error_kernel<<<grid, kThreads>>>(Z.back().get(), y, cols, inv_n, G, loss_sum.get());
      check_launch("squared_error_kernel");
    }
  };

  MlpRunResult result;
  result.device = name_;
  const auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration validating{};

  // Validation of the network as it stands, in chunks, without dropout.
  auto validate = [&] {
    const auto begun = std::chrono::steady_clock::now();
    loss_sum.zero();
    correct.zero();
    for (int start = 0; start < data.n_val; start += kEvalChunk) {
      const int cols = std::min(kEvalChunk, data.n_val - start);
      forward(x_val_.get() + static_cast<std::size_t>(start) * d, cols, -1);
      loss(y_val_.get() + start, cols, nullptr, correct.get());
    }
    double sum = 0.0;
    unsigned long long hits = 0;
    check(cudaMemcpy(&sum, loss_sum.get(), sizeof sum, cudaMemcpyDeviceToHost), "cudaMemcpy of the validation loss");
    check(cudaMemcpy(&hits, correct.get(), sizeof hits, cudaMemcpyDeviceToHost), "cudaMemcpy of the accuracy");
    result.val_loss = sum / data.n_val;
    if (classification) result.val_accuracy = static_cast<double>(hits) / data.n_val;
    validating += std::chrono::steady_clock::now() - begun;
  };

  long long step = 0;
  bool validated = false;  // result holds the validation of the network as it is now
  for (int epoch = 0; epoch < hyper.epochs; ++epoch) {
    const std::vector<int> host_order = plan.epoch_order(epoch);
    order.upload(host_order.data(), host_order.size());
    loss_sum.zero();
    for (int start = 0; start < n; start += hyper.batch_size) {
      if (stop)
        if (const char* why = stop()) throw MlpStopped(why, true);
      const int bs = std::min(hyper.batch_size, n - start);
      const std::size_t in_count = static_cast<std::size_t>(d) * bs;
      gather_kernel<<<blocks(in_count), kThreads>>>(x_train_.get(), y_train_.get(), d, order.get(), start, bs,
                                                    batch.get(), yb.get());
      check_launch("gather_kernel");
      forward(batch.get(), bs, step);
      float* g = grad_a.get();
      float* da = grad_b.get();
      loss(yb.get(), bs, g, nullptr);

      const long long t = step + 1;
      const float lr = static_cast<float>(hyper.lr);
      const float decay = static_cast<float>(hyper.weight_decay);
      const float mu = static_cast<float>(hyper.momentum);
      const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(0.9, static_cast<double>(t))));
      const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(0.999, static_cast<double>(t))));
      for (int l = L - 1; l >= 0; --l) {
        const auto k = static_cast<std::size_t>(l);
        DeviceLayer& layer = layers[k];
        const float* input = l == 0 ? batch.get() : A[k].get();
        check(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_T, layer.out, layer.in, bs, &one, g, layer.out, input,
                          layer.in, &zero, layer.dW.get(), layer.out),
              "cublasSgemm (weight gradient)");
        check(cublasSgemv(handle_, CUBLAS_OP_N, layer.out, bs, &one, g, layer.out, ones.get(), 1, &zero,
                          layer.db.get(), 1),
              "cublasSgemv (bias gradient)");
        if (l > 0) {
          check(cublasSgemm(handle_, CUBLAS_OP_T, CUBLAS_OP_N, layer.in, bs, layer.out, &one, layer.W.get(),
                            layer.out, g, layer.out, &zero, da, layer.in),
                "cublasSgemm (backward)");
          const std::size_t count = static_cast<std::size_t>(layer.in) * bs;
          const unsigned long long stream = drop_train ? dropout_stream(static_cast<std::uint64_t>(step), k - 1) : 0;
          activation_backward_kernel<<<blocks(count), kThreads>>>(da, Z[k - 1].get(), layer.in, bs, act,
                                                                  drop_train ? 1 : 0, plan.seed, stream, p, keep_scale);
          check_launch("activation_backward_kernel");
        }
        const std::size_t w = layer.W.size(), o = layer.b.size();
        if (hyper.optimizer == OptimizerKind::Adam) {
          adam_kernel<<<blocks(w), kThreads>>>(layer.W.get(), layer.dW.get(), layer.mW.get(), layer.vW.get(), w, lr,
                                               c1, c2, decay);
          adam_kernel<<<blocks(o), kThreads>>>(layer.b.get(), layer.db.get(), layer.mb.get(), layer.vb.get(), o, lr,
                                               c1, c2, 0.0f);
          check_launch("adam_kernel");
        } else {
          sgd_kernel<<<blocks(w), kThreads>>>(layer.W.get(), layer.dW.get(), layer.mW.get(), w, lr, mu, decay);
          sgd_kernel<<<blocks(o), kThreads>>>(layer.b.get(), layer.db.get(), layer.mb.get(), o, lr, mu, 0.0f);
          check_launch("sgd_kernel");
        }
        if (l > 0) std::swap(g, da);
      }
      ++step;
    }
    double sum = 0.0;
    check(cudaMemcpy(&sum, loss_sum.get(), sizeof sum, cudaMemcpyDeviceToHost), "cudaMemcpy of the epoch loss");
    record_epoch_loss(result, epoch, sum / n);
    result.epochs_run = epoch + 1;
    validated = false;
    if (after_epoch) {
      validate();
      validated = true;
      if (!after_epoch(MlpEpoch{epoch + 1, result.val_loss, result.val_accuracy, result.train_loss.back()})) break;
    }
  }
  check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  result.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started - validating).count();
  if (!validated) validate();
  return result;
}

}  // namespace

std::unique_ptr<MlpTrainer> make_cuda_trainer(std::shared_ptr<const MlpDataset> data) {
  return std::make_unique<CudaMlpTrainer>(std::move(data));
}

}  // namespace quante::mlp
