// Constant kernel k(x, x') = c: the output-scale factor in "C(1.0) * Matern(...)" and a constant
// offset in a sum. d k / d log c = c.
// Spelling: ConstantKernel(constant_value=1.0, constant_value_bounds=(0.01, 100)), alias C(...).
// Prior (standardized targets have unit variance): log c ~ Normal(log 1, 1.5^2).
#pragma once

#include "kernel_formulas.hpp"
#include "one_parameter_kernel.hpp"

namespace quante::opt {

class ConstantKernel final : public OneParameterKernel<ConstantKernel> {
 public:
  static constexpr OneParameterSpec kSpec{"ConstantKernel", "constant_value", 1.0, 0.01, 100.0, 1.0, 1.5};

  using OneParameterKernel::OneParameterKernel;

  std::string structure() const override { return "Constant"; }
  QUANTE_KERNEL_FORMULA_OVERRIDES
  bool has_amplitude() const override { return true; }

 private:
  double value() const { return parameter(); }
};

}  // namespace quante::opt
