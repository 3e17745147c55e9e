// Dot-product (linear) kernel k(x, x') = sigma_0^2 + x . x' (Rasmussen & Williams 2006, eq. 4.22).
//   d k / d log sigma_0 = 2 sigma_0^2,  d k(x, x') / d x = x',  d k(x, x) / d x = 2 x.
// Spelling: DotProduct(sigma_0=1.0, sigma_0_bounds=(0.01, 100)); prior log sigma_0 ~ N(0, 2^2).
#pragma once

#include "kernel_args.hpp"

namespace quante::opt {

class DotProductKernel final : public Kernel {
 public:
  explicit DotProductKernel(double sigma_0 = 1.0,
                            ResolvedArgs::Bounds bounds = {false, kDefaultLower, kDefaultUpper});
  static KernelOrArgError from_args(const std::vector<KernelArg>& args, std::size_t position);

  std::unique_ptr<Kernel> clone() const override;
  std::string to_string() const override;
  std::string structure() const override { return "DotProduct"; }
  void set_dim(int d) override;
  void for_each_hyperparameter(const std::function<void(Hyperparameter&)>& visit) override;
  void for_each_hyperparameter(
      const std::function<void(const Hyperparameter&)>& visit) const override;
  Eigen::MatrixXd cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const override;
  Eigen::VectorXd diag(const Eigen::MatrixXd& X) const override;
  void train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool for_gradient) const override;
  void contract_cached(const Eigen::MatrixXd& X, TrainCache& cache, const Eigen::MatrixXd& W,
                       Eigen::Ref<Eigen::VectorXd> grad) const override;
  Eigen::MatrixXd cross_gradient(const Eigen::VectorXd& x, const Eigen::MatrixXd& X2) const override;
  Eigen::VectorXd diag_gradient(const Eigen::VectorXd& x) const override;
  bool has_amplitude() const override { return false; }

  static constexpr double kDefaultLower = 0.01;
  static constexpr double kDefaultUpper = 100.0;

 private:
  double sigma2() const;
  ResolvedArgs::Bounds bounds_;
  Hyperparameter sigma_;
};

}  // namespace quante::opt
