// builtin:mlp?data=PATH&label=COL&task=classification|regression&val_fraction=0.2
//            &device=auto|cpu|cuda&split_seed=0[&HYPERPARAMETER=DEFAULT ...]
// Trains a multilayer perceptron on a CSV data set per job and returns its validation loss (mean
// cross-entropy, or mean squared error for regression), with metrics accuracy (classification),
// train_loss (last epoch), train_seconds and epoch_seconds. Hyperparameters: mlp_spec.hpp; the
// training run: mlp_trainer.hpp.
//
// The data set is read once, when the objective is made (a missing or malformed file is an error
// then); on CUDA it is copied to the GPU at the first job and kept for every later job.
// device=auto picks CUDA when this build has it and a GPU is visible, else the CPU; device=cuda
// without a usable GPU fails each job with CUDA's reason, keeping the worker up.
// Learning curve: after every epoch the job reports (step = epoch, 1-based) the validation loss
// with metrics train_loss and, for classification, accuracy; when the reporter answers false the
// job ends there with that epoch's validation loss. When the job has max_steps, that is the number
// of epochs (it replaces the epochs hyperparameter, capped at kMaxEpochs); epoch_seconds is per
// epoch run.
// Failures: bad hyperparameters and a diverged loss are Objective failures; a device error (out of
// memory, lost device) is a Crashed failure with CUDA's reason, and a lost device is set up afresh
// for the next job; cancel() and the timeout stop training between two optimisation steps.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "mlp_data.hpp"
#include "mlp_spec.hpp"
#include "mlp_trainer.hpp"
#include "objective.hpp"

namespace quante::worker {

class MlpObjective final : public Objective {
 public:
  static constexpr std::int64_t kMaxEpochs = 10000;  // as the epochs hyperparameter allows

  // QUERY is what follows "builtin:mlp?".
  static ObjectiveOrError make(const std::string& query, const ObjectiveContext& context);

  MlpObjective(mlp::MlpSpec spec, std::shared_ptr<const mlp::MlpDataset> data, bool use_cuda,
               const ObjectiveContext& context);
  ~MlpObjective() override;

  std::string describe() const override;

  const mlp::MlpDataset& data() const { return *data_; }
  bool uses_cuda() const { return use_cuda_; }

 protected:
  Evaluation run(const std::string& job_id, const Params& params, TrialReporter& reporter) override;

 private:

  mlp::MlpSpec spec_;
  std::shared_ptr<const mlp::MlpDataset> data_;
  bool use_cuda_;
  ObjectiveContext context_;
  std::unique_ptr<mlp::MlpTrainer> trainer_;  // made at the first job
};

// True for "builtin:mlp" and "builtin:mlp?...": specs that make_objective hands to MlpObjective.
bool is_mlp_spec(const std::string& spec);

}  // namespace quante::worker
