// ConstantKernel (formula in constant_kernel.hpp).
#include "constant_kernel.hpp"

#include <cmath>

namespace quante::opt {

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
