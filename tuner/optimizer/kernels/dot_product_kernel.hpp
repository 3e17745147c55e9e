// Dot-product (linear) kernel k(x, x') = sigma_0^2 + x . x' (Rasmussen & Williams 2006, eq. 4.22).
//   d k / d log sigma_0 = 2 sigma_0^2,  d k(x, x') / d x = x',  d k(x, x) / d x = 2 x.
// Spelling: DotProduct(sigma_0=1.0, sigma_0_bounds=(0.01, 100)); prior log sigma_0 ~ N(0, 2^2).
#pragma once

#include "one_parameter_kernel.hpp"

namespace quante::opt {

class DotProductKernel final : public OneParameterKernel<DotProductKernel> {
 public:
  static constexpr double kDefaultLower = 0.01;
  static constexpr double kDefaultUpper = 100.0;
  static constexpr OneParameterSpec kSpec{"DotProduct", "sigma_0", 1.0, kDefaultLower, kDefaultUpper, 1.0, 2.0};

  using OneParameterKernel::OneParameterKernel;

  std::string structure() const override { return "DotProduct"; }
  Eigen::MatrixXd cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const override;
  Eigen::VectorXd diag(const Eigen::MatrixXd& X) const override;
  void train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool for_gradient) const override;
  void contract_cached(const Eigen::MatrixXd& X, TrainCache& cache, const Eigen::MatrixXd& W,
                       Eigen::Ref<Eigen::VectorXd> grad) const override;
  Eigen::MatrixXd cross_gradient(const Eigen::VectorXd& x, const Eigen::MatrixXd& X2) const override;
  Eigen::VectorXd diag_gradient(const Eigen::VectorXd& x) const override;
  bool has_amplitude() const override { return false; }

 private:
  double sigma2() const { return std::exp(2.0 * log_parameter()); }
};

}  // namespace quante::opt
