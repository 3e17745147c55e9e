// Squared-exponential (RBF) kernel with ARD lengthscales (Rasmussen & Williams 2006, eq. 4.9):
//   k = exp(-r^2 / 2),   g(r) = -k'(r)/r = exp(-r^2 / 2).
// Spelling: RBF(length_scale=1.0, length_scale_bounds=(0.01, 20)); a list sets one per dimension.
#pragma once

#include "kernel_args.hpp"
#include "stationary_kernel.hpp"

namespace quante::opt {

class RbfKernel final : public StationaryKernel {
 public:
  explicit RbfKernel(std::vector<double> lengthscales,
                     ResolvedArgs::Bounds bounds = {false, kDefaultLower, kDefaultUpper});
  static KernelOrArgError from_args(const std::vector<KernelArg>& args, std::size_t position);

  std::unique_ptr<Kernel> clone() const override;
  std::string to_string() const override;
  std::string structure() const override { return "RBF"; }

 protected:
  void radial(const Eigen::ArrayXXd& r, Eigen::ArrayXXd& k, Eigen::ArrayXXd* g) const override;
};

}  // namespace quante::opt
