// Adds ConstantKernel factors to top-level terms without an output scale (rule in the header).
#include "implicit_amplitude.hpp"

#include "constant_kernel.hpp"
#include "product_kernel.hpp"
#include "sum_kernel.hpp"

namespace quante::opt {

std::unique_ptr<Kernel> with_implicit_amplitude(std::unique_ptr<Kernel> kernel) {
  if (auto* sum = dynamic_cast<SumKernel*>(kernel.get())) {
    auto a = with_implicit_amplitude(sum->release_left());
    auto b = with_implicit_amplitude(sum->release_right());
    return std::make_unique<SumKernel>(std::move(a), std::move(b));
  }
  if (kernel->has_amplitude()) return kernel;
  return std::make_unique<ProductKernel>(std::make_unique<ConstantKernel>(1.0), std::move(kernel));
}

}  // namespace quante::opt
