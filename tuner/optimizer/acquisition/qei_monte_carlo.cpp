// Monte Carlo qEI and its reparameterisation gradient; see qei_monte_carlo.hpp.
#include "qei_monte_carlo.hpp"

#include <cmath>
#include <stdexcept>

#include "reparameterisation.hpp"

namespace quante::opt {

McAcquisition qei_monte_carlo(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov,
                              double incumbent, const Eigen::MatrixXd& base_samples,
                              bool with_gradient) {
  const Eigen::Index m = mean.size();
  const Eigen::Index n = base_samples.rows();
  if (base_samples.cols() != m) throw std::invalid_argument("qei_monte_carlo: sample width != q");
  McAcquisition out;
  if (m == 0 || n == 0) return out;
  const JointSamples samples = joint_samples(mean, cov, base_samples);
  const Eigen::MatrixXd& F = samples.values;
  Eigen::MatrixXd G;  // d value / d f, N x m
  if (with_gradient) G = Eigen::MatrixXd::Zero(n, m);
  double sum = 0.0, sum2 = 0.0;
  const double inv_n = 1.0 / static_cast<double>(n);
  for (Eigen::Index s = 0; s < n; ++s) {
    Eigen::Index k;
    const double fmin = F.row(s).minCoeff(&k);
    const double imp = incumbent - fmin;
    if (imp > 0.0) {
      sum += imp;
      sum2 += imp * imp;
      if (with_gradient) G(s, k) = -inv_n;
    }
  }
  out.value = sum * inv_n;
  const double var = std::max(0.0, sum2 * inv_n - out.value * out.value);
  out.std_error = n > 1 ? std::sqrt(var / static_cast<double>(n - 1)) : 0.0;
  if (with_gradient) samples.backward(base_samples, G, out.grad_mean, out.grad_cov);
  return out;
}

}  // namespace quante::opt
