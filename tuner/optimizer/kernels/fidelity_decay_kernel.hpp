// A kernel over (configuration, fidelity) for learning curves: the loss at fidelity s is the loss
// at full fidelity plus an excess that shrinks to nothing as s reaches 1 (the last input column
// is s in [0, 1]; the others are the configuration x):
//   y(x, s) = f(x) + (1 - s) e(x, s),   f ~ GP(0, k_f) on x,   e ~ GP(0, k_e) on (x, s),
//   k((x, s), (x', s')) = k_f(x, x') + w(s) w(s') k_e((x, s), (x', s')),   w(s) = 1 - s.
// So the prior of the losses at s = 1 is k_f alone, early losses inform f(x) through their
// covariance k_f and carry a trial's own excess e to its other fidelities, and the excess may vary
// with x and s (a rate that depends on the configuration, curves that cross). This is the shape of
// freeze-thaw BO (Swersky, Snoek & Adams 2014: an asymptote plus a decaying part) and of
// MOBSTER's exponential-decay kernels (Klein et al. 2020), with the decay written as the factor
// w(s) and a stationary kernel for the excess, so it needs no parametric curve: any function
// y(x, s) can be written f(x) + (1 - s) e(x, s).
//
// k_f is the study's kernel (with its WhiteKernel: the noise enters once, not weighted), k_e is
// ConstantKernel * Matern(nu=2.5) + ConstantKernel over all columns (the constant term: the mean
// excess, an early loss is higher on average). Gradients:
//   <W, dK/dtheta_f> = <W, dK_f/dtheta_f>,  <W, dK/dtheta_e> = <W o w w^T, dK_e/dtheta_e>,
//   dk/dx = dk_f/dx + w(s) w(s') dk_e/dx,   dk/ds = -w(s') k_e + w(s) w(s') dk_e/ds.
// Spelled "FidelityDecay(final=..., excess=...)" in fit reports; not a kernel-string name (the
// tuner builds it for its joint fidelity model, GpOptions::fidelity_kernel).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kernel.hpp"
#include "kernel_formulas.hpp"

namespace quante::opt {

class FidelityDecayKernel final : public Kernel {
 public:
  // final_loss: the kernel over the configuration columns; excess: over every column.
  FidelityDecayKernel(std::unique_ptr<Kernel> final_loss, std::unique_ptr<Kernel> excess);
  // The study's kernel as k_f with the default excess kernel.
  static std::unique_ptr<FidelityDecayKernel> around(std::unique_ptr<Kernel> final_loss);

  FidelityDecayKernel(const FidelityDecayKernel& other);
  FidelityDecayKernel& operator=(const FidelityDecayKernel& other);
  FidelityDecayKernel(FidelityDecayKernel&&) = default;
  FidelityDecayKernel& operator=(FidelityDecayKernel&&) = default;
  ~FidelityDecayKernel() override = default;

  std::unique_ptr<Kernel> clone() const override;
  std::string to_string() const override;
  std::string structure() const override;
  void set_dim(int d) override;
  void set_input_groups(const std::vector<int>& groups) override;
  void for_each_hyperparameter(const std::function<void(Hyperparameter&)>& visit) override;
  void for_each_hyperparameter(const std::function<void(const Hyperparameter&)>& visit) const override;

  QUANTE_KERNEL_FORMULA_OVERRIDES
  bool has_amplitude() const override { return final_->has_amplitude(); }

  // The kernel over the configuration, handed back when the model stops using fidelities.
  std::unique_ptr<Kernel> release_final() { return std::move(final_); }

 private:
  std::unique_ptr<Kernel> final_;
  std::unique_ptr<Kernel> excess_;
};

}  // namespace quante::opt
