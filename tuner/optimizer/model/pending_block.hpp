// The joint GP posterior of new points and a fixed block of pending points, with everything
// that depends on the pending points alone computed once.
//
// A proposal with p points in flight optimises the acquisition of [x_new; pending] over x_new
// only (batch_objective.hpp). Asking the GP for the joint posterior of all q + p rows at every
// L-BFGS-B step re-solves the n x n triangular systems for the pending columns each time:
// O(n^2 (q + p)) per step, which made one point with 63 pending at n = 2000 cost seconds. Here
//   A_P = K^-1 k(X, P),  mu_P = k(P, X) alpha,  Sigma_PP = k(P, P) - k(P, X) A_P
// are kept, and a step needs only the new points' own posterior (O(n^2 q)) plus the cross block
//   Sigma_qP = k(x_new, P) - k(x_new, X) A_P                     (O(n q p)),
//   d Sigma_iP / d x_i = dk(x_i, P)/dx_i - [dk(x_i, X)/dx_i] A_P  (O(n d p) per new row).
// The result is the same joint posterior (and gradient layout) as
// GaussianProcess::posterior_with_gradient([x_new; pending], q), up to rounding.
#pragma once

#include <Eigen/Core>

#include "gaussian_process.hpp"

namespace quante::opt {

class PendingBlock {
 public:
  // pending: p x d (may have no rows). The GP must outlive the block and not change.
  PendingBlock(const GaussianProcess& gp, const Eigen::MatrixXd& pending);

  const GaussianProcess& gp() const { return gp_; }
  Eigen::Index size() const { return pending_.rows(); }
  const Eigen::MatrixXd& points() const { return pending_; }

  // Joint posterior of [x_new; pending] (q + p rows).
  Posterior posterior(const Eigen::MatrixXd& x_new) const;
  // The same, with the gradient w.r.t. every row of x_new: gradient.cov[i] is d x (q + p).
  PosteriorWithGradient posterior_with_gradient(const Eigen::MatrixXd& x_new) const;

 private:
  const GaussianProcess& gp_;
  Eigen::MatrixXd pending_;
  // pending_: the pending points as the kernel takes them (GaussianProcess::with_tail)
  Eigen::MatrixXd A_;       // n x p: K^-1 k(X, P)
  Eigen::VectorXd mean_;    // p
  Eigen::MatrixXd cov_;     // p x p
};

}  // namespace quante::opt
