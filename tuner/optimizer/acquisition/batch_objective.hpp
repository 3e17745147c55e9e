// The batch acquisition as a function of the new points' inputs: X_new (q x d) -> acquisition of
// the joint GP posterior of [X_new; pending], and its gradient w.r.t. X_new by the chain rule
//   d a / d x_i = (d a / d mu_i) d mu_i/d x_i
//               + sum_{b != i} 2 G_ib d Sigma_ib / d x_i + G_ii d Sigma_ii / d x_i,
// G the symmetric covariance gradient of the MC acquisition (reparameterisation.hpp) and the
// posterior derivatives from GaussianProcess::posterior_gradient. Pending points are rows of the
// joint posterior that take part in the max but are not variables (no gradient flows to them);
// their own posterior terms are computed once (pending_block.hpp), so a step costs O(n^2 q) in
// the GP, not O(n^2 (q + p)).
#pragma once

#include <Eigen/Core>

#include "gaussian_process.hpp"
#include "pending_block.hpp"

namespace quante::opt {

enum class BatchAcquisitionKind { QLogEI, QEI };

class BatchObjective {
 public:
  // base_samples: N x (q + pending.rows()) standard normals, held fixed (common random numbers).
  BatchObjective(const GaussianProcess& gp, Eigen::MatrixXd pending, Eigen::MatrixXd base_samples,
                 BatchAcquisitionKind kind = BatchAcquisitionKind::QLogEI);
  // The same with the pending block already computed (the batch optimizer shares it with its
  // candidate pool's posterior).
  BatchObjective(PendingBlock pending, Eigen::MatrixXd base_samples,
                 BatchAcquisitionKind kind = BatchAcquisitionKind::QLogEI);

  int pending_count() const { return static_cast<int>(pending_.size()); }
  double value(const Eigen::MatrixXd& x_new) const;
  // Value, and d value / d x_new (q x d) in `gradient`.
  double value_and_gradient(const Eigen::MatrixXd& x_new, Eigen::MatrixXd& gradient) const;

 private:
  PendingBlock pending_;
  Eigen::MatrixXd samples_;
  BatchAcquisitionKind kind_;
  double incumbent_;
};

}  // namespace quante::opt
