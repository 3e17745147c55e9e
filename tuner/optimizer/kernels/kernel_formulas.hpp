// The six formulas every concrete kernel implements (the pure virtuals of kernel.hpp, which says
// what each computes), declared once for the leaves (Constant, DotProduct, White, the stationary
// kernels), the composites (Sum, Product) and FidelityDecay; each kernel's .cpp defines them.
//
// Why a macro: C++ has no other way to give several classes the same set of override
// declarations. A CRTP base (OneParameterKernel, CompositeKernel) can implement what the kernels
// share, but not declare members of the class deriving from it; declaring the formulas in the
// base and defining one explicit specialisation per kernel would need a declaration of each
// specialisation beside every kernel again. The macro holds declarations only, no code.
#pragma once

#include "kernel.hpp"

#define QUANTE_KERNEL_FORMULA_OVERRIDES                                                                   \
  Eigen::MatrixXd cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const override;             \
  Eigen::VectorXd diag(const Eigen::MatrixXd& X) const override;                                          \
  void train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool for_gradient) const override;         \
  void contract_cached(const Eigen::MatrixXd& X, TrainCache& cache, const Eigen::MatrixXd& W,              \
                       Eigen::Ref<Eigen::VectorXd> grad) const override;                                  \
  Eigen::MatrixXd cross_gradient(const Eigen::VectorXd& x, const Eigen::MatrixXd& X2) const override;     \
  Eigen::VectorXd diag_gradient(const Eigen::VectorXd& x) const override;
