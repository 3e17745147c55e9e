// Constant kernel k(x, x') = c: the output-scale factor in "C(1.0) * Matern(...)" and a constant
// offset in a sum. d k / d log c = c.
// Spelling: ConstantKernel(constant_value=1.0, constant_value_bounds=(0.01, 100)), alias C(...).
// Prior (standardized targets have unit variance): log c ~ Normal(log 1, 1.5^2).
#pragma once

#include "one_parameter_kernel.hpp"

namespace quante::opt {

class ConstantKernel final : public OneParameterKernel<ConstantKernel> {
 public:
  static constexpr double kDefaultLower = 0.01;
  static constexpr double kDefaultUpper = 100.0;
  static constexpr OneParameterSpec kSpec{"ConstantKernel", "constant_value", 1.0, kDefaultLower, kDefaultUpper, 1.0, 1.5};

  using OneParameterKernel::OneParameterKernel;

  std::string structure() const override { return "Constant"; }
  Eigen::MatrixXd cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const override;
  Eigen::VectorXd diag(const Eigen::MatrixXd& X) const override;
  void train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool for_gradient) const override;
  void contract_cached(const Eigen::MatrixXd& X, TrainCache& cache, const Eigen::MatrixXd& W,
                       Eigen::Ref<Eigen::VectorXd> grad) const override;
  Eigen::MatrixXd cross_gradient(const Eigen::VectorXd& x, const Eigen::MatrixXd& X2) const override;
  Eigen::VectorXd diag_gradient(const Eigen::VectorXd& x) const override;
  bool has_amplitude() const override { return true; }

 private:
  double value() const { return parameter(); }
};

}  // namespace quante::opt
