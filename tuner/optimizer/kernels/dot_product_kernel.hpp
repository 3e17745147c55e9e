// Dot-product (linear) kernel k(x, x') = sigma_0^2 + x . x' (Rasmussen & Williams 2006, eq. 4.22).
//   d k / d log sigma_0 = 2 sigma_0^2,  d k(x, x') / d x = x',  d k(x, x) / d x = 2 x.
// Spelling: DotProduct(sigma_0=1.0, sigma_0_bounds=(0.01, 100)); prior log sigma_0 ~ N(0, 2^2).
#pragma once

#include "kernel_formulas.hpp"
#include "one_parameter_kernel.hpp"

namespace quante::opt {

class DotProductKernel final : public OneParameterKernel<DotProductKernel> {
 public:
  static constexpr OneParameterSpec kSpec{"DotProduct", "sigma_0", 1.0, 0.01, 100.0, 1.0, 2.0};

  using OneParameterKernel::OneParameterKernel;

  std::string structure() const override { return "DotProduct"; }
  QUANTE_KERNEL_FORMULA_OVERRIDES
  bool has_amplitude() const override { return false; }

 private:
  double sigma2() const { return std::exp(2.0 * log_parameter()); }
};

}  // namespace quante::opt
