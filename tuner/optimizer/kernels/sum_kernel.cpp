// SumKernel (see sum_kernel.hpp).
#include "sum_kernel.hpp"

namespace quante::opt {

SumKernel::SumKernel(std::unique_ptr<Kernel> a, std::unique_ptr<Kernel> b)
    : a_(std::move(a)), b_(std::move(b)) {}

SumKernel::SumKernel(const SumKernel& other)
    : Kernel(other), a_(other.a_->clone()), b_(other.b_->clone()) {}

SumKernel& SumKernel::operator=(const SumKernel& other) {
  if (this != &other) {
    a_ = other.a_->clone();
    b_ = other.b_->clone();
  }
  return *this;
}

std::unique_ptr<Kernel> SumKernel::clone() const { return std::make_unique<SumKernel>(*this); }

std::string SumKernel::to_string() const { return a_->to_string() + " + " + b_->to_string(); }

std::string SumKernel::structure() const {
  return "Sum(" + a_->structure() + "," + b_->structure() + ")";
}

void SumKernel::set_dim(int d) {
  a_->set_dim(d);
  b_->set_dim(d);
}

void SumKernel::set_input_groups(const std::vector<int>& groups) {
  a_->set_input_groups(groups);
  b_->set_input_groups(groups);
}

void SumKernel::for_each_hyperparameter(const std::function<void(Hyperparameter&)>& visit) {
  a_->for_each_hyperparameter(visit);
  b_->for_each_hyperparameter(visit);
}

void SumKernel::for_each_hyperparameter(
    const std::function<void(const Hyperparameter&)>& visit) const {
  static_cast<const Kernel&>(*a_).for_each_hyperparameter(visit);
  static_cast<const Kernel&>(*b_).for_each_hyperparameter(visit);
}

Eigen::MatrixXd SumKernel::cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const {
  return a_->cross(X1, X2) + b_->cross(X1, X2);
}

void SumKernel::train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool for_gradient) const {
  cache.children.resize(2);
  a_->train_into(X, cache.children[0], for_gradient);
  b_->train_into(X, cache.children[1], for_gradient);
  cache.K = cache.children[0].K + cache.children[1].K;
}

Eigen::VectorXd SumKernel::diag(const Eigen::MatrixXd& X) const {
  return a_->diag(X) + b_->diag(X);
}

void SumKernel::contract_cached(const Eigen::MatrixXd& X, TrainCache& cache,
                                const Eigen::MatrixXd& W, Eigen::Ref<Eigen::VectorXd> grad) const {
  const int na = a_->num_hyperparameters();
  a_->contract_cached(X, cache.children[0], W, grad.head(na));
  b_->contract_cached(X, cache.children[1], W, grad.tail(grad.size() - na));
}

Eigen::MatrixXd SumKernel::cross_gradient(const Eigen::VectorXd& x,
                                          const Eigen::MatrixXd& X2) const {
  return a_->cross_gradient(x, X2) + b_->cross_gradient(x, X2);
}

Eigen::VectorXd SumKernel::diag_gradient(const Eigen::VectorXd& x) const {
  return a_->diag_gradient(x) + b_->diag_gradient(x);
}

bool SumKernel::has_amplitude() const { return a_->has_amplitude() && b_->has_amplitude(); }

}  // namespace quante::opt
