// RBF radial profile and the RBF(...) factory (formula in rbf_kernel.hpp).
#include "rbf_kernel.hpp"

namespace quante::opt {

RbfKernel::RbfKernel(std::vector<double> lengthscales, ResolvedArgs::Bounds bounds)
    : StationaryKernel(std::move(lengthscales), bounds) {}

KernelOrArgError RbfKernel::from_args(const std::vector<KernelArg>& args, std::size_t position) {
  auto resolved =
      ResolvedArgs::resolve("RBF", {"length_scale", "length_scale_bounds"}, args, position);
  if (auto* e = std::get_if<ArgError>(&resolved)) return *e;
  const auto& a = std::get<ResolvedArgs>(resolved);
  auto l = a.positive_list("length_scale", 1.0);
  if (auto* e = std::get_if<ArgError>(&l)) return *e;
  auto bounds = a.bounds("length_scale_bounds", kDefaultLower, kDefaultUpper);
  if (auto* e = std::get_if<ArgError>(&bounds)) return *e;
  return std::make_unique<RbfKernel>(std::get<std::vector<double>>(l),
                                     std::get<ResolvedArgs::Bounds>(bounds));
}

std::unique_ptr<Kernel> RbfKernel::clone() const { return std::make_unique<RbfKernel>(*this); }

std::string RbfKernel::to_string() const { return "RBF(" + lengthscale_arguments() + ")"; }

void RbfKernel::radial(const Eigen::ArrayXXd& r, Eigen::ArrayXXd& k, Eigen::ArrayXXd* g) const {
  k = (-0.5 * r.square()).exp();
  if (g != nullptr) *g = k;
}

}  // namespace quante::opt
