// Sum of two kernels: k = k_a + k_b; every derivative is the sum of the children's
// (Rasmussen & Williams 2006, section 4.2.4). Spelling: "a + b".
#pragma once

#include "composite_kernel.hpp"

namespace quante::opt {

class SumKernel final : public CompositeKernel<SumKernel> {
 public:
  static constexpr const char* kName = "Sum";
  static constexpr const char* kOperator = " + ";

  SumKernel(std::unique_ptr<Kernel> a, std::unique_ptr<Kernel> b)
      : CompositeKernel(std::move(a), std::move(b)) {}

  Eigen::MatrixXd cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const override;
  Eigen::VectorXd diag(const Eigen::MatrixXd& X) const override;
  void train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool for_gradient) const override;
  void contract_cached(const Eigen::MatrixXd& X, TrainCache& cache, const Eigen::MatrixXd& W,
                       Eigen::Ref<Eigen::VectorXd> grad) const override;
  Eigen::MatrixXd cross_gradient(const Eigen::VectorXd& x, const Eigen::MatrixXd& X2) const override;
  Eigen::VectorXd diag_gradient(const Eigen::VectorXd& x) const override;
  bool has_amplitude() const override { return a_->has_amplitude() && b_->has_amplitude(); }
};

}  // namespace quante::opt
