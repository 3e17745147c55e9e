// Product of two kernels: k = k_a k_b (Rasmussen & Williams 2006, section 4.2.4), so
//   dK/dtheta_a = dK_a/dtheta_a (Hadamard) K_b, whence <W, dK/dtheta_a> = <W o K_b, dK_a/dtheta_a>,
//   d k(x, x')/dx = k_b dk_a/dx + k_a dk_b/dx.
// The training covariance is the product of the children's training covariances.
// Spelling: "a * b", binding tighter than "+".
#pragma once

#include "kernel.hpp"

namespace quante::opt {

class ProductKernel final : public Kernel {
 public:
  ProductKernel(std::unique_ptr<Kernel> a, std::unique_ptr<Kernel> b);
  ProductKernel(const ProductKernel& other);
  ProductKernel& operator=(const ProductKernel& other);
  ProductKernel(ProductKernel&&) = default;
  ProductKernel& operator=(ProductKernel&&) = default;
  ~ProductKernel() override = default;

  std::unique_ptr<Kernel> clone() const override;
  std::string to_string() const override;
  std::string structure() const override;
  void set_dim(int d) override;
  void set_input_groups(const std::vector<int>& groups) override;
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
  bool has_amplitude() const override;

  const Kernel& left() const { return *a_; }
  const Kernel& right() const { return *b_; }

 private:
  std::unique_ptr<Kernel> a_;
  std::unique_ptr<Kernel> b_;
};

}  // namespace quante::opt
