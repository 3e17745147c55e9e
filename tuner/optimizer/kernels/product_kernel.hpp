// Product of two kernels: k = k_a k_b (Rasmussen & Williams 2006, section 4.2.4), so
//   dK/dtheta_a = dK_a/dtheta_a (Hadamard) K_b, whence <W, dK/dtheta_a> = <W o K_b, dK_a/dtheta_a>,
//   d k(x, x')/dx = k_b dk_a/dx + k_a dk_b/dx.
// The training covariance is the product of the children's training covariances.
// Spelling: "a * b", binding tighter than "+" (a sum operand is parenthesised).
#pragma once

#include "composite_kernel.hpp"
#include "kernel_formulas.hpp"

namespace quante::opt {

class ProductKernel final : public CompositeKernel<ProductKernel> {
 public:
  static constexpr const char* kName = "Product";
  static constexpr const char* kOperator = " * ";

  using CompositeKernel::CompositeKernel;
  static std::string operand_string(const Kernel& k);

  QUANTE_KERNEL_FORMULA_OVERRIDES
  bool has_amplitude() const override { return a_->has_amplitude() || b_->has_amplitude(); }
};

}  // namespace quante::opt
