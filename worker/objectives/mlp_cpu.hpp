// The mlp objective's CPU back-end: the run of mlp_trainer.hpp with Eigen float matrices, one
// sample per column. Always built; the reference the CUDA back-end is tested against.
#pragma once

#include <memory>

#include "mlp_trainer.hpp"

namespace quante::mlp {

class CpuMlpTrainer final : public MlpTrainer {
 public:
  explicit CpuMlpTrainer(std::shared_ptr<const MlpDataset> data) : data_(std::move(data)) {}
  MlpRunResult train(const MlpHyper& hyper, const MlpStopCheck& stop,
                     const MlpEpochHook& after_epoch = {}) override;
  std::string device() const override { return "cpu"; }

 private:
  std::shared_ptr<const MlpDataset> data_;
};

}  // namespace quante::mlp
