// Sum of two kernels: k = k_a + k_b; every derivative is the sum of the children's
// (Rasmussen & Williams 2006, section 4.2.4). Spelling: "a + b".
#pragma once

#include "kernel.hpp"

namespace quante::opt {

class SumKernel final : public Kernel {
 public:
  SumKernel(std::unique_ptr<Kernel> a, std::unique_ptr<Kernel> b);
  SumKernel(const SumKernel& other);
  SumKernel& operator=(const SumKernel& other);
  SumKernel(SumKernel&&) = default;
  SumKernel& operator=(SumKernel&&) = default;
  ~SumKernel() override = default;

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

  Kernel& left() { return *a_; }
  Kernel& right() { return *b_; }
  const Kernel& left() const { return *a_; }
  const Kernel& right() const { return *b_; }
  std::unique_ptr<Kernel> release_left() { return std::move(a_); }
  std::unique_ptr<Kernel> release_right() { return std::move(b_); }

 private:
  std::unique_ptr<Kernel> a_;
  std::unique_ptr<Kernel> b_;
};

}  // namespace quante::opt
