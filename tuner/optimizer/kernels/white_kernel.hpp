// White-noise kernel: k(x_a, x_b) = nu [a == b] on the training covariance only, zero in every
// cross covariance, so posteriors are of the latent function. d K / d log nu = nu I.
// Spelling: WhiteKernel(noise_level=0.01, noise_level_bounds=(1e-6, 1)). The default starting
// value is the prior median 0.01 (scikit-learn starts at 1.0, which here is the upper bound).
// Prior, in standardized units, keeping the noise small unless the data insist:
//   log nu ~ Normal(log 0.01, 2^2).
#pragma once

#include "kernel_formulas.hpp"
#include "one_parameter_kernel.hpp"

namespace quante::opt {

class WhiteKernel final : public OneParameterKernel<WhiteKernel> {
 public:
  static constexpr double kPriorMedian = 1e-2;
  static constexpr OneParameterSpec kSpec{"WhiteKernel", "noise_level", kPriorMedian, 1e-6, 1.0, kPriorMedian, 2.0};

  using OneParameterKernel::OneParameterKernel;

  std::string structure() const override { return "White"; }
  QUANTE_KERNEL_FORMULA_OVERRIDES
  // Noise needs no output scale of its own: an implicit amplitude never multiplies it.
  bool has_amplitude() const override { return true; }
  double noise_level() const { return parameter(); }
};

}  // namespace quante::opt
