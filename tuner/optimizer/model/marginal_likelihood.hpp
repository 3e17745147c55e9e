// Log marginal likelihood of a zero-mean GP and its gradient in the log hyperparameters
// (Rasmussen & Williams 2006, eqs. 2.30 and 5.9):
//   log p(y | X, theta) = -1/2 y^T K^-1 y - sum_i log L_ii - n/2 log(2 pi),   K = L L^T,
//   d log p / d theta_j = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta_j),         alpha = K^-1 y.
// K^-1 is formed once per evaluation (O(n^3)); each gradient component is then an O(n^2)
// contraction <W, dK/dtheta_j> done by the kernel (kernel.hpp), never an O(n^3) product.
#pragma once

#include "kernel.hpp"

#include <Eigen/Core>

#include <optional>

namespace quante::opt {

struct MarginalLikelihood {
  double value = 0.0;        // log p(y | X, theta), with the jitter the factorisation needed
  Eigen::VectorXd gradient;  // d value / d theta_j for every hyperparameter (visitor order);
                             // empty unless requested
  double jitter = 0.0;
};

// Buffers kept between evaluations on the same points, so that repeated evaluations (the
// hyperparameter search) allocate nothing.
struct MarginalLikelihoodWorkspace {
  TrainCache cache;
  Eigen::MatrixXd L;
  Eigen::MatrixXd W;
};

// nullopt when K(X, X) cannot be factored even with jitter (see cholesky.hpp).
std::optional<MarginalLikelihood> log_marginal_likelihood(const Kernel& kernel,
                                                          const Eigen::MatrixXd& X,
                                                          const Eigen::VectorXd& y,
                                                          bool with_gradient,
                                                          MarginalLikelihoodWorkspace* workspace =
                                                              nullptr);

}  // namespace quante::opt
