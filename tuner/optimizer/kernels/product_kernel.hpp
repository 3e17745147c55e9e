// Product of two kernels: k = k_a k_b (Rasmussen & Williams 2006, section 4.2.4), so
//   dK/dtheta_a = dK_a/dtheta_a (Hadamard) K_b, whence <W, dK/dtheta_a> = <W o K_b, dK_a/dtheta_a>,
//   d k(x, x')/dx = k_b dk_a/dx + k_a dk_b/dx.
// The training covariance is the product of the children's training covariances.
// Spelling: "a * b", binding tighter than "+" (a sum operand is parenthesised).
#pragma once

#include "composite_kernel.hpp"

namespace quante::opt {

class ProductKernel final : public CompositeKernel<ProductKernel> {
 public:
  static constexpr const char* kName = "Product";
  static constexpr const char* kOperator = " * ";

  ProductKernel(std::unique_ptr<Kernel> a, std::unique_ptr<Kernel> b)
      : CompositeKernel(std::move(a), std::move(b)) {}
  static std::string operand_string(const Kernel& k);

  Eigen::MatrixXd cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const override;
  Eigen::VectorXd diag(const Eigen::MatrixXd& X) const override;
  void train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool for_gradient) const override;
  void contract_cached(const Eigen::MatrixXd& X, TrainCache& cache, const Eigen::MatrixXd& W,
                       Eigen::Ref<Eigen::VectorXd> grad) const override;
  Eigen::MatrixXd cross_gradient(const Eigen::VectorXd& x, const Eigen::MatrixXd& X2) const override;
  Eigen::VectorXd diag_gradient(const Eigen::VectorXd& x) const override;
  bool has_amplitude() const override { return a_->has_amplitude() || b_->has_amplitude(); }
};

}  // namespace quante::opt
