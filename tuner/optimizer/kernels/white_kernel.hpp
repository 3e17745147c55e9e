// White-noise kernel: k(x_a, x_b) = nu [a == b] on the training covariance only, zero in every
// cross covariance, so posteriors are of the latent function. d K / d log nu = nu I.
// Spelling: WhiteKernel(noise_level=0.01, noise_level_bounds=(1e-6, 1)). The default starting
// value is the prior median 0.01 (scikit-learn starts at 1.0, which here is the upper bound).
// Prior, in standardized units, keeping the noise small unless the data insist:
//   log nu ~ Normal(log 0.01, 2^2).
#pragma once

#include "one_parameter_kernel.hpp"

namespace quante::opt {

class WhiteKernel final : public OneParameterKernel<WhiteKernel> {
 public:
  static constexpr double kDefaultLower = 1e-6;
  static constexpr double kDefaultUpper = 1.0;
  static constexpr double kPriorMedian = 1e-2;
  static constexpr OneParameterSpec kSpec{"WhiteKernel", "noise_level", kPriorMedian, kDefaultLower, kDefaultUpper, kPriorMedian, 2.0};

  using OneParameterKernel::OneParameterKernel;

  std::string structure() const override { return "White"; }
  Eigen::MatrixXd cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const override;
  Eigen::VectorXd diag(const Eigen::MatrixXd& X) const override;
  void train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool for_gradient) const override;
  void contract_cached(const Eigen::MatrixXd& X, TrainCache& cache, const Eigen::MatrixXd& W,
                       Eigen::Ref<Eigen::VectorXd> grad) const override;
  Eigen::MatrixXd cross_gradient(const Eigen::VectorXd& x, const Eigen::MatrixXd& X2) const override;
  Eigen::VectorXd diag_gradient(const Eigen::VectorXd& x) const override;
  // Noise needs no output scale of its own: an implicit amplitude never multiplies it.
  bool has_amplitude() const override { return true; }
  double noise_level() const { return parameter(); }
};

}  // namespace quante::opt
