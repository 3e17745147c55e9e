// DotProduct kernel (formula in dot_product_kernel.hpp).
#include "dot_product_kernel.hpp"

#include <cmath>

namespace quante::opt {

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
