// qLogEI for MINIMISATION (Ament, Daulton, Eriksson, Balandat & Bakshy 2023, "Unexpected
// Improvements to Expected Improvement for Bayesian Optimization", NeurIPS): the log of a smoothed
// Monte Carlo qEI, computed in log space so that it and its gradient stay finite and informative
// where qEI is numerically zero.
//
//   u_si = T - f_si,  f_s = mu + L z_s                                  (improvement of row i)
//   l_si = log(tau_r g(u_si / tau_r)),  g(z) = softplus(z) + 0.1 / (1 + z^2)   (log "fat" softplus)
//   M_s  = tau_m logsumexp_i(l_si / tau_m)                              (smooth max over the batch)
//   qLogEI = logsumexp_s(M_s) - log N                                  (log of the sample mean)
// with tau_r = 1e-6 and tau_m = 1e-2 as in the paper (BoTorch's defaults). The Cauchy term of the
// "fat" softplus gives the heavy tail -2 log|u| for u << 0 instead of a slope of 1/tau_r, which
// keeps the optimisation well scaled far from any improvement.
// Gradient: backward through the three reductions, then the reparameterisation (see
// reparameterisation.hpp). Pending points are rows of (mu, Sigma) like the new ones.
#pragma once

#include <Eigen/Core>

#include "qei_monte_carlo.hpp"

namespace quante::opt {

struct QLogEiOptions {
  double tau_relu = 1e-6;
  double tau_max = 1e-2;
};

// base_samples: N x m standard normals. Returns value = qLogEI and its gradients (std_error is 0).
McAcquisition qlogei(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov, double incumbent,
                     const Eigen::MatrixXd& base_samples, bool with_gradient = true,
                     const QLogEiOptions& options = {});

}  // namespace quante::opt
