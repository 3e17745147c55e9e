// Matern kernel with ARD lengthscales, nu in {1/2, 3/2, 5/2} (Rasmussen & Williams 2006, eq. 4.14;
// Matern, "Spatial Variation", 1960):
//   nu = 1/2: k = exp(-r)
//   nu = 3/2: k = (1 + sqrt3 r) exp(-sqrt3 r)
//   nu = 5/2: k = (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r)
// with g(r) = -k'(r)/r = exp(-r)/r, 3 exp(-sqrt3 r), 5/3 (1 + sqrt5 r) exp(-sqrt5 r). For nu = 1/2
// the kernel is not differentiable at r = 0 and the gradient there is taken as 0.
// Spelling: Matern(length_scale=1.0, length_scale_bounds=(0.01, 20), nu=1.5) (scikit-learn's
// default nu is 1.5).
#pragma once

#include "kernel_args.hpp"
#include "stationary_kernel.hpp"

namespace quante::opt {

class MaternKernel final : public StationaryKernel {
 public:
  MaternKernel(double nu, std::vector<double> lengthscales,
               ResolvedArgs::Bounds bounds = {false, kDefaultLower, kDefaultUpper});
  static KernelOrArgError from_args(const std::vector<KernelArg>& args, std::size_t position);

  std::unique_ptr<Kernel> clone() const override;
  std::string to_string() const override;
  std::string structure() const override;
  double nu() const { return nu_; }

 protected:
  void radial(const Eigen::ArrayXXd& r, Eigen::ArrayXXd& k, Eigen::ArrayXXd* g) const override;

 private:
  double nu_;
};

}  // namespace quante::opt
