// Monte Carlo qEI for MINIMISATION with fixed quasi-random base samples and its gradient by the
// reparameterisation trick (Wilson et al. 2018; BoTorch's qExpectedImprovement, Balandat et al.
// 2020):  qEI ~ (1/N) sum_s max(0, T - min_i f_si),  f_s = mu + L z_s.
// d/dmu_k = -(1/N) #{s : k = argmin_i f_si, improving};  d/dL_kj = -(1/N) sum of z_sj over them,
// then through the Cholesky to Sigma (reparameterisation.hpp).
//
// Pending points are simply rows of (mu, Sigma): the max runs over all rows, and the caller keeps
// only the gradient rows of the new points (the pending inputs are not variables).
#pragma once

#include <Eigen/Core>

namespace quante::opt {

struct McAcquisition {
  double value = 0.0;
  double std_error = 0.0;     // sample standard error of the average (as if i.i.d.)
  Eigen::VectorXd grad_mean;  // d value / d mu (m)
  Eigen::MatrixXd grad_cov;   // d value / d Sigma, symmetric (see reparameterisation.hpp)
};

// base_samples: N x m standard normals, m = mean.size(). Gradients only when with_gradient.
McAcquisition qei_monte_carlo(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov,
                              double incumbent, const Eigen::MatrixXd& base_samples,
                              bool with_gradient = true);

}  // namespace quante::opt
