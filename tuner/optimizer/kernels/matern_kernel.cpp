// Matern radial profiles and the Matern(...) factory (formulas in matern_kernel.hpp).
#include "matern_kernel.hpp"

#include <cmath>
#include <stdexcept>

namespace quante::opt {

MaternKernel::MaternKernel(double nu, std::vector<double> lengthscales, ResolvedArgs::Bounds bounds)
    : StationaryKernel(std::move(lengthscales), bounds), nu_(nu) {
  if (nu != 0.5 && nu != 1.5 && nu != 2.5) {
    throw std::invalid_argument("Matern nu must be 0.5, 1.5 or 2.5");
  }
}

KernelOrArgError MaternKernel::from_args(const std::vector<KernelArg>& args, std::size_t position) {
  auto resolved = ResolvedArgs::resolve("Matern", {"length_scale", "length_scale_bounds", "nu"},
                                        args, position);
  if (auto* e = std::get_if<ArgError>(&resolved)) return *e;
  const auto& a = std::get<ResolvedArgs>(resolved);
  auto l = a.positive_list("length_scale", 1.0);
  if (auto* e = std::get_if<ArgError>(&l)) return *e;
  auto bounds = a.bounds("length_scale_bounds", kDefaultLower, kDefaultUpper);
  if (auto* e = std::get_if<ArgError>(&bounds)) return *e;
  double nu = 1.5;
  if (const KernelArg* arg = a.find("nu")) {
    if (arg->value.kind != ArgValue::Kind::Number) {
      return ArgError{"Matern: nu must be a number (0.5, 1.5 or 2.5)", arg->position};
    }
    nu = arg->value.number;
    if (nu != 0.5 && nu != 1.5 && nu != 2.5) {
      return ArgError{"Matern: nu must be 0.5, 1.5 or 2.5, got " + format_number(nu),
                      arg->position};
    }
  }
  return std::make_unique<MaternKernel>(nu, std::get<std::vector<double>>(l),
                                        std::get<ResolvedArgs::Bounds>(bounds));
}

std::unique_ptr<Kernel> MaternKernel::clone() const { return std::make_unique<MaternKernel>(*this); }

std::string MaternKernel::to_string() const {
  return "Matern(" + lengthscale_arguments() + ", nu=" + format_number(nu_) + ")";
}

std::string MaternKernel::structure() const { return "Matern(" + format_number(nu_) + ")"; }

void MaternKernel::radial(const Eigen::ArrayXXd& r, Eigen::ArrayXXd& k, Eigen::ArrayXXd* g) const {
  // No temporaries: k holds the exponential first (this runs once per likelihood evaluation).
  if (nu_ == 0.5) {
    k = (-r).exp();
    if (g != nullptr) *g = (r > 0.0).select(k / r, 0.0);
  } else if (nu_ == 1.5) {
    const double s = std::sqrt(3.0);
    k = (-s * r).exp();
    if (g != nullptr) *g = 3.0 * k;
    k *= 1.0 + s * r;
  } else {
    const double s = std::sqrt(5.0);
    k = (-s * r).exp();
    if (g != nullptr) *g = (5.0 / 3.0) * (1.0 + s * r) * k;
    k *= 1.0 + s * r + (5.0 / 3.0) * r.square();
  }
}

}  // namespace quante::opt
