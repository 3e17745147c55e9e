// qLogEI and its gradient; see qlogei.hpp.
#include "qlogei.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "reparameterisation.hpp"

namespace quante::opt {
namespace {

// exp(x) for x <= 0, with arguments far below the double range answered 0 at once: libm's
// underflow path (errno, subnormals) is slow, and tau_relu = 1e-6 sends most samples there.
double exp_nonpositive(double x) { return x < -700.0 ? 0.0 : std::exp(x); }

double softplus(double z) {
  if (z > 0.0) return z + std::log1p(exp_nonpositive(-z));
  return z < -37.0 ? exp_nonpositive(z) : std::log1p(std::exp(z));  // log1p(e) == e below e^-37
}
double sigmoid(double z) {
  if (z >= 0.0) return 1.0 / (1.0 + exp_nonpositive(-z));
  const double e = exp_nonpositive(z);
  return e / (1.0 + e);
}

// log(tau g(u / tau)) and its derivative w.r.t. u.
void log_fatplus(double u, double tau, double& value, double& derivative) {
  const double z = u / tau;
  const double c = 1.0 / (1.0 + z * z);
  const double g = softplus(z) + 0.1 * c;
  const double dg = sigmoid(z) - 0.2 * z * c * c;
  value = std::log(tau) + std::log(g);
  derivative = dg / (g * tau);
}

}  // namespace

McAcquisition qlogei(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov, double incumbent,
                     const Eigen::MatrixXd& base_samples, bool with_gradient,
                     const QLogEiOptions& options) {
  const Eigen::Index m = mean.size();
  const Eigen::Index n = base_samples.rows();
  if (base_samples.cols() != m) throw std::invalid_argument("qlogei: sample width != q");
  McAcquisition out;
  if (m == 0 || n == 0) return out;
  const JointSamples samples = joint_samples(mean, cov, base_samples);
  const Eigen::MatrixXd& F = samples.values;

  Eigen::MatrixXd dl(n, m);   // d l_si / d u_si
  Eigen::MatrixXd w(n, m);    // softmax over the batch (d M_s / d l_si)
  Eigen::VectorXd M(n);
  const double tm = options.tau_max;
  double Mmax = -INFINITY;
  for (Eigen::Index s = 0; s < n; ++s) {
    double lmax = -INFINITY;
    for (Eigen::Index i = 0; i < m; ++i) {
      double l, d;
      log_fatplus(incumbent - F(s, i), options.tau_relu, l, d);
      w(s, i) = l;
      dl(s, i) = d;
      lmax = std::max(lmax, l);
    }
    double acc = 0.0;
    for (Eigen::Index i = 0; i < m; ++i) {
      w(s, i) = exp_nonpositive((w(s, i) - lmax) / tm);
      acc += w(s, i);
    }
    M[s] = lmax + tm * std::log(acc);
    Mmax = std::max(Mmax, M[s]);
    w.row(s) /= acc;
  }
  const Eigen::VectorXd a = (M.array() - Mmax).unaryExpr([](double x) { return exp_nonpositive(x); });
  const double asum = a.sum();
  out.value = Mmax + std::log(asum) - std::log(static_cast<double>(n));
  if (with_gradient) {
    // d value / d f_si = -(a_s / sum a) w_si dl_si
    Eigen::MatrixXd G = -(w.array() * dl.array()).matrix();
    G = (a / asum).asDiagonal() * G;
    samples.backward(base_samples, G, out.grad_mean, out.grad_cov);
  }
  return out;
}

}  // namespace quante::opt
