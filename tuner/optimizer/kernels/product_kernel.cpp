// ProductKernel (formulas in product_kernel.hpp).
#include "product_kernel.hpp"

#include "sum_kernel.hpp"

namespace quante::opt {

std::string ProductKernel::operand_string(const Kernel& k) {
  const bool is_sum = dynamic_cast<const SumKernel*>(&k) != nullptr;
  return is_sum ? "(" + k.to_string() + ")" : k.to_string();
}

Eigen::MatrixXd ProductKernel::cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const {
  return a_->cross(X1, X2).cwiseProduct(b_->cross(X1, X2));
}

void ProductKernel::train_into(const Eigen::MatrixXd& X, TrainCache& cache,
                               bool for_gradient) const {
  train_children(X, cache, for_gradient);
  cache.K = cache.children[0].K.cwiseProduct(cache.children[1].K);
}

Eigen::VectorXd ProductKernel::diag(const Eigen::MatrixXd& X) const {
  return a_->diag(X).cwiseProduct(b_->diag(X));
}

void ProductKernel::contract_cached(const Eigen::MatrixXd& X, TrainCache& cache,
                                    const Eigen::MatrixXd& W,
                                    Eigen::Ref<Eigen::VectorXd> grad) const {
  const int na = a_->num_hyperparameters();
  TrainCache& ca = cache.children[0];
  TrainCache& cb = cache.children[1];
  cache.scratch = W.cwiseProduct(cb.K);
  a_->contract_cached(X, ca, cache.scratch, grad.head(na));
  cache.scratch = W.cwiseProduct(ca.K);
  b_->contract_cached(X, cb, cache.scratch, grad.tail(grad.size() - na));
}

Eigen::MatrixXd ProductKernel::cross_gradient(const Eigen::VectorXd& x,
                                              const Eigen::MatrixXd& X2) const {
  const Eigen::MatrixXd xr = x.transpose();
  const Eigen::RowVectorXd ka = a_->cross(xr, X2).row(0);
  const Eigen::RowVectorXd kb = b_->cross(xr, X2).row(0);
  Eigen::MatrixXd ga = a_->cross_gradient(x, X2);
  Eigen::MatrixXd gb = b_->cross_gradient(x, X2);
  ga.array().rowwise() *= kb.array();
  gb.array().rowwise() *= ka.array();
  return ga + gb;
}

Eigen::VectorXd ProductKernel::diag_gradient(const Eigen::VectorXd& x) const {
  const Eigen::MatrixXd xr = x.transpose();
  const double ka = a_->diag(xr)(0);
  const double kb = b_->diag(xr)(0);
  return kb * a_->diag_gradient(x) + ka * b_->diag_gradient(x);
}

}  // namespace quante::opt
