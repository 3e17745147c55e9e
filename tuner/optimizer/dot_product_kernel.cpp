// DotProduct kernel (formula in dot_product_kernel.hpp).
#include "dot_product_kernel.hpp"

#include <cmath>

namespace quante::opt {

DotProductKernel::DotProductKernel(double sigma_0, ResolvedArgs::Bounds bounds)
    : bounds_(bounds),
      sigma_(make_log_hyperparameter("sigma_0", sigma_0, bounds.lower, bounds.upper, bounds.fixed,
                                     1.0, 2.0)) {}

KernelOrArgError DotProductKernel::from_args(const std::vector<KernelArg>& args,
                                             std::size_t position) {
  auto resolved =
      ResolvedArgs::resolve("DotProduct", {"sigma_0", "sigma_0_bounds"}, args, position);
  if (auto* e = std::get_if<ArgError>(&resolved)) return *e;
  const auto& a = std::get<ResolvedArgs>(resolved);
  auto value = a.positive("sigma_0", 1.0);
  if (auto* e = std::get_if<ArgError>(&value)) return *e;
  auto bounds = a.bounds("sigma_0_bounds", kDefaultLower, kDefaultUpper);
  if (auto* e = std::get_if<ArgError>(&bounds)) return *e;
  return std::make_unique<DotProductKernel>(std::get<double>(value),
                                            std::get<ResolvedArgs::Bounds>(bounds));
}

std::unique_ptr<Kernel> DotProductKernel::clone() const {
  return std::make_unique<DotProductKernel>(*this);
}

std::string DotProductKernel::to_string() const {
  std::string out = "DotProduct(sigma_0=" + format_number(std::exp(sigma_.value));
  if (bounds_.fixed) {
    out += ", sigma_0_bounds=\"fixed\"";
  } else if (bounds_.lower != kDefaultLower || bounds_.upper != kDefaultUpper) {
    out += ", sigma_0_bounds=(" + format_number(bounds_.lower) + ", " +
           format_number(bounds_.upper) + ")";
  }
  return out + ")";
}

void DotProductKernel::set_dim(int) {}

void DotProductKernel::for_each_hyperparameter(
    const std::function<void(Hyperparameter&)>& visit) {
  visit(sigma_);
}

void DotProductKernel::for_each_hyperparameter(
    const std::function<void(const Hyperparameter&)>& visit) const {
  visit(sigma_);
}

double DotProductKernel::sigma2() const { return std::exp(2.0 * sigma_.value); }

Eigen::MatrixXd DotProductKernel::cross(const Eigen::MatrixXd& X1,
                                        const Eigen::MatrixXd& X2) const {
  return (X1 * X2.transpose()).array() + sigma2();
}

void DotProductKernel::train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool) const {
  cache.K = cross(X, X);
}

Eigen::VectorXd DotProductKernel::diag(const Eigen::MatrixXd& X) const {
  return X.rowwise().squaredNorm().array() + sigma2();
}

void DotProductKernel::contract_cached(const Eigen::MatrixXd&, TrainCache&,
                                       const Eigen::MatrixXd& W,
                                       Eigen::Ref<Eigen::VectorXd> grad) const {
  grad(0) += 2.0 * sigma2() * W.sum();
}

Eigen::MatrixXd DotProductKernel::cross_gradient(const Eigen::VectorXd& x,
                                                 const Eigen::MatrixXd& X2) const {
  (void)x;
  return X2.transpose();
}

Eigen::VectorXd DotProductKernel::diag_gradient(const Eigen::VectorXd& x) const { return 2.0 * x; }

}  // namespace quante::opt
