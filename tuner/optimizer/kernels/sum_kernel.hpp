// Sum of two kernels: k = k_a + k_b; every derivative is the sum of the children's
// (Rasmussen & Williams 2006, section 4.2.4). Spelling: "a + b".
#pragma once

#include "composite_kernel.hpp"
#include "kernel_formulas.hpp"

namespace quante::opt {

class SumKernel final : public CompositeKernel<SumKernel> {
 public:
  static constexpr const char* kName = "Sum";
  static constexpr const char* kOperator = " + ";

  using CompositeKernel::CompositeKernel;

  QUANTE_KERNEL_FORMULA_OVERRIDES
  bool has_amplitude() const override { return a_->has_amplitude() && b_->has_amplitude(); }
};

}  // namespace quante::opt
