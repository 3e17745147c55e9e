// ConstantKernel (formula in constant_kernel.hpp).
#include "constant_kernel.hpp"

#include <cmath>

namespace quante::opt {

ConstantKernel::ConstantKernel(double value, ResolvedArgs::Bounds bounds)
    : bounds_(bounds),
      constant_(make_log_hyperparameter("constant_value", value, bounds.lower, bounds.upper,
                                        bounds.fixed, 1.0, 1.5)) {}

KernelOrArgError ConstantKernel::from_args(const std::vector<KernelArg>& args,
                                           std::size_t position) {
  auto resolved = ResolvedArgs::resolve("ConstantKernel",
                                        {"constant_value", "constant_value_bounds"}, args, position);
  if (auto* e = std::get_if<ArgError>(&resolved)) return *e;
  const auto& a = std::get<ResolvedArgs>(resolved);
  auto value = a.positive("constant_value", 1.0);
  if (auto* e = std::get_if<ArgError>(&value)) return *e;
  auto bounds = a.bounds("constant_value_bounds", kDefaultLower, kDefaultUpper);
  if (auto* e = std::get_if<ArgError>(&bounds)) return *e;
  return std::make_unique<ConstantKernel>(std::get<double>(value),
                                          std::get<ResolvedArgs::Bounds>(bounds));
}

std::unique_ptr<Kernel> ConstantKernel::clone() const {
  return std::make_unique<ConstantKernel>(*this);
}

std::string ConstantKernel::to_string() const {
  std::string out = "ConstantKernel(constant_value=" + format_number(value());
  if (bounds_.fixed) {
    out += ", constant_value_bounds=\"fixed\"";
  } else if (bounds_.lower != kDefaultLower || bounds_.upper != kDefaultUpper) {
    out += ", constant_value_bounds=(" + format_number(bounds_.lower) + ", " +
           format_number(bounds_.upper) + ")";
  }
  return out + ")";
}

void ConstantKernel::set_dim(int) {}

void ConstantKernel::for_each_hyperparameter(const std::function<void(Hyperparameter&)>& visit) {
  visit(constant_);
}

void ConstantKernel::for_each_hyperparameter(
    const std::function<void(const Hyperparameter&)>& visit) const {
  visit(constant_);
}

double ConstantKernel::value() const { return std::exp(constant_.value); }

Eigen::MatrixXd ConstantKernel::cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const {
  return Eigen::MatrixXd::Constant(X1.rows(), X2.rows(), value());
}

void ConstantKernel::train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool) const {
  cache.K = cross(X, X);
}

Eigen::VectorXd ConstantKernel::diag(const Eigen::MatrixXd& X) const {
  return Eigen::VectorXd::Constant(X.rows(), value());
}

void ConstantKernel::contract_cached(const Eigen::MatrixXd&, TrainCache&,
                                     const Eigen::MatrixXd& W, Eigen::Ref<Eigen::VectorXd> grad) const {
  grad(0) += value() * W.sum();
}

Eigen::MatrixXd ConstantKernel::cross_gradient(const Eigen::VectorXd& x,
                                               const Eigen::MatrixXd& X2) const {
  return Eigen::MatrixXd::Zero(x.size(), X2.rows());
}

Eigen::VectorXd ConstantKernel::diag_gradient(const Eigen::VectorXd& x) const {
  return Eigen::VectorXd::Zero(x.size());
}

}  // namespace quante::opt
