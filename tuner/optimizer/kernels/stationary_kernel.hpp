// Stationary kernels with automatic relevance determination (ARD): one lengthscale per input
// dimension, k(x, x') = kappa(r), r^2 = sum_k (x_k - x'_k)^2 / l_k^2.
//
// Everything but the radial profile kappa is shared here. With g(r) = -kappa'(r) / r:
//   d k / d log l_k = g(r) (x_k - x'_k)^2 / l_k^2,      d k / d x_k = -g(r) (x_k - x'_k) / l_k^2.
// Lengthscale defaults for inputs in the unit cube: bounds [0.01, 20], log-normal prior with median
// 0.21 sqrt(d) and log-sd 0.63. The log-sd and the median at d = 4 (0.42) are the log-moments of
// BoTorch's Gamma(3, 6) lengthscale prior (SingleTaskGP on the unit cube, standardized outputs);
// the median grows like sqrt(d) since distances in the cube do (Hvarfner, Hellsten & Nardi,
// "Vanilla Bayesian Optimization Performs Great in High Dimensions", ICML 2024). The former prior,
// median 0.5 sqrt(d) with log-sd 1.5, let 12 to 20 points fit lengthscales of 1 to 3 on Hartmann6,
// Ackley and Levy, too smooth to find their basins (bench_optimizer_quality).
//
// Grouped lengthscales (set_input_groups, issue 14): coordinates of one group share lengthscale
// l_g, r^2 = sum_g sum_{k in g} (x_k - x'_k)^2 / l_g^2. A categorical's one-hot block is one group,
// so two different choices are at squared distance 2 / l_g whichever they are (an exponentiated
// Hamming/overlap distance per categorical, as in CoCaBO, Ru et al. 2020, and in the one-hot
// Matern of BoTorch's MixedSingleTaskGP family) and a k-choice categorical costs one
// hyperparameter, not k. Then d k / d log l_g = g(r) sum_{k in g} (x_k - x'_k)^2 / l_g^2, and the
// prior median counts groups, not coordinates, times sqrt(2) for a one-hot block (two choices
// differ by sqrt(2) there: a change of choice is then a priori as far as a float's full range).
#pragma once

#include "kernel_args.hpp"
#include "kernel_formulas.hpp"

#include <vector>

namespace quante::opt {

class StationaryKernel : public Kernel {
 public:
  void set_dim(int d) override;
  void set_input_groups(const std::vector<int>& groups) override;
  void for_each_hyperparameter(const std::function<void(Hyperparameter&)>& visit) override;
  void for_each_hyperparameter(
      const std::function<void(const Hyperparameter&)>& visit) const override;
  QUANTE_KERNEL_FORMULA_OVERRIDES
  bool has_amplitude() const override { return false; }

  static constexpr double kDefaultLower = 0.01;
  static constexpr double kDefaultUpper = 20.0;
  static constexpr double kPriorSd = 0.63;
  static constexpr double kPriorMedianPerSqrtDim = 0.21;

 protected:
  // lengthscales: as written in the kernel string (one value: the same for every dimension).
  StationaryKernel(std::vector<double> lengthscales, ResolvedArgs::Bounds bounds);
  // kappa(r) into k and, when g is not null, g(r) = -kappa'(r) / r; g must be finite at r = 0
  // (0 where kappa is not differentiable there, the symmetric subgradient).
  virtual void radial(const Eigen::ArrayXXd& r, Eigen::ArrayXXd& k, Eigen::ArrayXXd* g) const = 0;
  // "length_scale=..., length_scale_bounds=..." for to_string.
  std::string lengthscale_arguments() const;

 private:
  Eigen::MatrixXd scaled(const Eigen::MatrixXd& X) const;  // d x n, column i = x_i / l
  Eigen::VectorXd lengthscale_values() const;     // one per hyperparameter (group)
  Eigen::VectorXd coordinate_lengthscales() const;  // one per input coordinate
  // Builds the lengthscale hyperparameters for d coordinates and the current groups_.
  void resize_lengthscales(int d);

  std::vector<double> given_;
  std::vector<int> groups_;  // coordinate -> lengthscale; empty: one per coordinate
  ResolvedArgs::Bounds bounds_;
  std::vector<Hyperparameter> lengthscales_;
};

}  // namespace quante::opt
