// WhiteKernel (formula in white_kernel.hpp).
#include "white_kernel.hpp"

#include <cmath>

namespace quante::opt {

WhiteKernel::WhiteKernel(double noise_level, ResolvedArgs::Bounds bounds)
    : bounds_(bounds),
      noise_(make_log_hyperparameter("noise_level", noise_level, bounds.lower, bounds.upper,
                                     bounds.fixed, kPriorMedian, 2.0)) {}

KernelOrArgError WhiteKernel::from_args(const std::vector<KernelArg>& args, std::size_t position) {
  auto resolved = ResolvedArgs::resolve("WhiteKernel", {"noise_level", "noise_level_bounds"}, args,
                                        position);
  if (auto* e = std::get_if<ArgError>(&resolved)) return *e;
  const auto& a = std::get<ResolvedArgs>(resolved);
  auto value = a.positive("noise_level", kPriorMedian);
  if (auto* e = std::get_if<ArgError>(&value)) return *e;
  auto bounds = a.bounds("noise_level_bounds", kDefaultLower, kDefaultUpper);
  if (auto* e = std::get_if<ArgError>(&bounds)) return *e;
  return std::make_unique<WhiteKernel>(std::get<double>(value),
                                       std::get<ResolvedArgs::Bounds>(bounds));
}

std::unique_ptr<Kernel> WhiteKernel::clone() const { return std::make_unique<WhiteKernel>(*this); }

std::string WhiteKernel::to_string() const {
  std::string out = "WhiteKernel(noise_level=" + format_number(noise_level());
  if (bounds_.fixed) {
    out += ", noise_level_bounds=\"fixed\"";
  } else if (bounds_.lower != kDefaultLower || bounds_.upper != kDefaultUpper) {
    out += ", noise_level_bounds=(" + format_number(bounds_.lower) + ", " +
           format_number(bounds_.upper) + ")";
  }
  return out + ")";
}

void WhiteKernel::set_dim(int) {}

void WhiteKernel::for_each_hyperparameter(const std::function<void(Hyperparameter&)>& visit) {
  visit(noise_);
}

void WhiteKernel::for_each_hyperparameter(
    const std::function<void(const Hyperparameter&)>& visit) const {
  visit(noise_);
}

double WhiteKernel::noise_level() const { return std::exp(noise_.value); }

Eigen::MatrixXd WhiteKernel::cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const {
  return Eigen::MatrixXd::Zero(X1.rows(), X2.rows());
}

void WhiteKernel::train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool) const {
  cache.K = noise_level() * Eigen::MatrixXd::Identity(X.rows(), X.rows());
}

Eigen::VectorXd WhiteKernel::diag(const Eigen::MatrixXd& X) const {
  return Eigen::VectorXd::Zero(X.rows());
}

void WhiteKernel::contract_cached(const Eigen::MatrixXd&, TrainCache&,
                                  const Eigen::MatrixXd& W, Eigen::Ref<Eigen::VectorXd> grad) const {
  grad(0) += noise_level() * W.diagonal().sum();
}

Eigen::MatrixXd WhiteKernel::cross_gradient(const Eigen::VectorXd& x,
                                            const Eigen::MatrixXd& X2) const {
  return Eigen::MatrixXd::Zero(x.size(), X2.rows());
}

Eigen::VectorXd WhiteKernel::diag_gradient(const Eigen::VectorXd& x) const {
  return Eigen::VectorXd::Zero(x.size());
}

}  // namespace quante::opt
