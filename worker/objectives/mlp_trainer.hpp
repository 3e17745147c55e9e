// The mlp objective's training run, defined once for both back-ends (Eigen on the CPU, cuBLAS and
// hand-written kernels on a GPU), so that on a fixed seed they compute the same thing up to float
// rounding:
//   network   sizes d -> w_1 -> ... -> w_L -> k (k = classes, or 1 for regression); Z_l = W_l A_l + b_l,
//             A_{l+1} = act(Z_l) * D_l for hidden layers (D_l inverted dropout, mlp_random.hpp),
//             logits Z_L; A_0 = a batch of standardised features, one sample per column
//   loss      mean softmax cross-entropy (classification) or mean squared error (regression)
//   gradient  back-propagation; weight decay adds wd * W to the weights' gradient (L2, not biases)
//   optimiser SGD with momentum  v = mu v + g, W -= lr v;  or Adam (Kingma & Ba 2015, beta1 0.9,
//             beta2 0.999, eps 1e-8, bias-corrected)
//   schedule  `epochs` passes; each a permutation of the training rows (MlpPlan::epoch_order) cut
//             into consecutive batches, the last one possibly smaller
//   result    loss and accuracy on the validation rows (no dropout), after the last epoch; with an
//             epoch hook also after every epoch, and the hook may end the run there
// Initial weights: N(0, gain / fan_in) (He et al. 2015; gain 2 for relu and gelu, 1 for tanh and the
// output layer), biases 0, drawn on the host from the run's seed (MlpPlan) and copied as is.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mlp_data.hpp"
#include "mlp_spec.hpp"

namespace quante::mlp {

// Initial weights and batch order of one run: the generator shared by both back-ends.
struct MlpPlan {
  std::vector<int> sizes;                   // d, w_1 .. w_L, k
  std::vector<std::vector<float>> weights;  // layer l: sizes[l+1] x sizes[l], column-major
  std::uint64_t seed = 0;
  int n_train = 0;

  int linear_layers() const { return static_cast<int>(sizes.size()) - 1; }
  // A permutation of 0..n_train-1 for epoch `epoch` (0-based).
  std::vector<int> epoch_order(int epoch) const;
};
MlpPlan make_plan(const MlpDataset& data, const MlpHyper& hyper);

// Asked between optimisation steps: nullptr to go on, or why to stop ("cancelled", "timeout").
using MlpStopCheck = std::function<const char*()>;

// After an epoch: the validation loss and accuracy of the network as it stands (no dropout).
struct MlpEpoch {
  int epoch = 0;               // 1-based
  double val_loss = 0.0;
  double val_accuracy = -1.0;  // classification only (-1 for regression)
  double train_loss = 0.0;     // the epoch's mean training loss
};
// Called after every epoch when given: true to go on, false to end the run after this epoch (the
// result then holds this epoch's validation).
using MlpEpochHook = std::function<bool(const MlpEpoch&)>;

struct MlpRunResult {
  double val_loss = 0.0;
  double val_accuracy = -1.0;             // classification only (-1 for regression)
  std::vector<double> train_loss;         // mean training loss of each epoch
  double train_seconds = 0.0;             // the epochs only, not the validation passes
  int epochs_run = 0;                     // hyper.epochs, or fewer when the hook ended the run
  std::string device;                     // "cpu" or the GPU's name
};

// A run that stopped early: by the stop check (interrupted) or because the loss diverged.
class MlpStopped : public std::runtime_error {
 public:
  MlpStopped(const std::string& why, bool interrupted) : std::runtime_error(why), interrupted_(interrupted) {}
  bool interrupted() const { return interrupted_; }

 private:
  bool interrupted_;
};

// Appends an epoch's mean training loss to the result; throws MlpStopped (not interrupted) when
// it is not finite: the run diverged. Shared by the CPU and CUDA back-ends.
void record_epoch_loss(MlpRunResult& result, int epoch, double mean_loss);

// A back-end: holds the data set (on its device) for the life of the worker process.
class MlpTrainer {
 public:
  virtual ~MlpTrainer() = default;
  // Throws MlpStopped (cancel, timeout, divergence), std::bad_alloc or std::runtime_error (a device
  // failure, with the device's reason). after_epoch: see MlpEpochHook.
  virtual MlpRunResult train(const MlpHyper& hyper, const MlpStopCheck& stop,
                             const MlpEpochHook& after_epoch = {}) = 0;
  virtual std::string device() const = 0;
  // False once the device is lost (a sticky CUDA error): the owner drops the trainer and makes a
  // fresh one (data uploaded again) for the next job.
  virtual bool usable() const { return true; }
};

}  // namespace quante::mlp
