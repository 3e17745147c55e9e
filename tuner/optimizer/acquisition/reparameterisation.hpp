// The reparameterisation trick for Monte Carlo acquisition functions (Wilson, Hutter & Deisenroth
// 2018, "Maximizing acquisition functions for Bayesian optimization", NeurIPS): joint posterior
// samples f_s = mu + L z_s with L L^T = Sigma + jitter I and fixed base samples z_s (common random
// numbers), so a sample average is a smooth deterministic function of (mu, Sigma).
//
// Backward pass through the Cholesky factor (Murray 2016, "Differentiation of the Cholesky
// decomposition", arXiv:1602.07527): for a loss with gradient Lbar w.r.t. the lower factor,
//   Sbar = L^{-T} Phi(L^T Lbar) L^{-1},  Phi(A) = lower triangle of A with its diagonal halved,
// and the gradient w.r.t. the symmetric Sigma is G = (Sbar + Sbar^T) / 2, in the sense that a
// symmetric perturbation E changes the loss by <G, E> (so d/dSigma_ij with Sigma_ji tied is 2 G_ij).
#pragma once

#include <Eigen/Core>

namespace quante::opt {

struct JointFactor {
  Eigen::MatrixXd lower;  // L with L L^T = Sigma + jitter I
  double jitter = 0.0;
};

// Lower factor of a covariance, adding diagonal jitter (1e-9 relative, then growing tenfold up to
// 1e-2) until the factorisation succeeds. Never throws: a non-finite input gives a zero factor.
JointFactor joint_factor(const Eigen::MatrixXd& cov);

// Gradient w.r.t. Sigma (symmetric, see above) from the gradient w.r.t. L (only its lower
// triangle is read).
Eigen::MatrixXd joint_factor_backward(const Eigen::MatrixXd& lower, const Eigen::MatrixXd& lower_bar);

// The step every Monte Carlo acquisition shares: joint samples F = 1 mu^T + Z L^T (row s is f_s)
// from the base samples Z (N x m), and back from d value / d F to d value / d (mu, Sigma):
//   d/dmu = 1^T G,  d/dL = G^T Z, then joint_factor_backward.
struct JointSamples {
  JointFactor factor;
  Eigen::MatrixXd values;  // N x m, row s is f_s

  void backward(const Eigen::MatrixXd& base_samples, const Eigen::MatrixXd& d_values, Eigen::VectorXd& grad_mean,
                Eigen::MatrixXd& grad_cov) const;
};

// base_samples: N x mean.size() (the caller checks).
JointSamples joint_samples(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov, const Eigen::MatrixXd& base_samples);

}  // namespace quante::opt
