// The mlp objective's CUDA back-end: the run of objectives/mlp_trainer.hpp with cuBLAS matrix
// products and the kernels of mlp_cuda.cu. Plain C++ interface; compiled only when CUDA is found
// (QUANTE_WITH_CUDA).
#pragma once

#include <memory>

#include "objectives/mlp_trainer.hpp"

namespace quante::mlp {

// Uploads the data set to device 0 of this process (the worker's GPU) and keeps it there for every
// later run. Throws std::runtime_error with CUDA's reason (no device, out of memory ...).
std::unique_ptr<MlpTrainer> make_cuda_trainer(std::shared_ptr<const MlpDataset> data);

}  // namespace quante::mlp
