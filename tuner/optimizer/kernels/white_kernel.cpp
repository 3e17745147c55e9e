// WhiteKernel (formula in white_kernel.hpp).
#include "white_kernel.hpp"

#include <cmath>

namespace quante::opt {

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
