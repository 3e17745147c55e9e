// SumKernel (see sum_kernel.hpp).
#include "sum_kernel.hpp"

namespace quante::opt {

Eigen::MatrixXd SumKernel::cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const {
  return a_->cross(X1, X2) + b_->cross(X1, X2);
}

void SumKernel::train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool for_gradient) const {
  train_children(X, cache, for_gradient);
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

}  // namespace quante::opt
