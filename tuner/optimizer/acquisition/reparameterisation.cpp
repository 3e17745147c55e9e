// Reparameterised joint samples: factor and backward pass; see reparameterisation.hpp.
#include "reparameterisation.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>

namespace quante::opt {

JointFactor joint_factor(const Eigen::MatrixXd& cov) {
  const Eigen::Index m = cov.rows();
  JointFactor out;
  if (m == 0) return out;
  if (!cov.allFinite()) {
    out.lower = Eigen::MatrixXd::Zero(m, m);
    return out;
  }
  const Eigen::MatrixXd sym = 0.5 * (cov + cov.transpose());
  const double scale = std::max(sym.diagonal().cwiseAbs().maxCoeff(), 1e-12);
  for (double rel = 1e-9; rel <= 1e-2; rel *= 10.0) {
    Eigen::MatrixXd a = sym;
    a.diagonal().array() += rel * scale;
    Eigen::LLT<Eigen::MatrixXd> llt(a);
    if (llt.info() == Eigen::Success) {
      out.lower = llt.matrixL();
      out.jitter = rel * scale;
      return out;
    }
  }
  // Not positive semi-definite even with jitter: fall back to the clipped diagonal.
  out.lower = sym.diagonal().cwiseMax(0.0).cwiseSqrt().asDiagonal();
  out.jitter = 0.0;
  return out;
}

Eigen::MatrixXd joint_factor_backward(const Eigen::MatrixXd& lower, const Eigen::MatrixXd& lower_bar) {
  const Eigen::Index m = lower.rows();
  if (m == 0) return {};
  Eigen::MatrixXd P = lower.transpose() * lower_bar.triangularView<Eigen::Lower>().toDenseMatrix();
  P = P.triangularView<Eigen::Lower>().toDenseMatrix();
  P.diagonal() *= 0.5;
  const auto Lt = lower.triangularView<Eigen::Lower>();
  // S = L^{-T} P L^{-1}: solve L^T X = P, then S = X L^{-1}  <=>  L^T S^T = X^T.
  const Eigen::MatrixXd X = Lt.transpose().solve(P);
  const Eigen::MatrixXd S = Lt.transpose().solve(X.transpose()).transpose();
  return 0.5 * (S + S.transpose());
}

JointSamples joint_samples(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov, const Eigen::MatrixXd& base_samples) {
  JointSamples out;
  out.factor = joint_factor(cov);
  out.values = base_samples * out.factor.lower.transpose();
  out.values.rowwise() += mean.transpose();
  return out;
}

void JointSamples::backward(const Eigen::MatrixXd& base_samples, const Eigen::MatrixXd& d_values,
                            Eigen::VectorXd& grad_mean, Eigen::MatrixXd& grad_cov) const {
  grad_mean = d_values.colwise().sum().transpose();
  grad_cov = joint_factor_backward(factor.lower, d_values.transpose() * base_samples);
}

}  // namespace quante::opt
