// The joint posterior with a cached pending block; see pending_block.hpp.
#include "pending_block.hpp"

namespace quante::opt {

PendingBlock::PendingBlock(const GaussianProcess& gp, const Eigen::MatrixXd& pending)
    : gp_(gp), pending_(gp.with_tail(pending)) {
  if (pending_.rows() == 0) return;
  const Kernel& k = gp.kernel();
  const Eigen::MatrixXd Kxp = k.cross(gp.inputs(), pending_);
  A_ = gp.solve(Kxp);
  mean_ = gp.predict_mean(pending);
  cov_ = k.cross(pending_, pending_);
  cov_.noalias() -= Kxp.transpose() * A_;
  cov_ = 0.5 * (cov_ + cov_.transpose()).eval();
}

Posterior PendingBlock::posterior(const Eigen::MatrixXd& x_new) const {
  const Posterior own = gp_.posterior(x_new);
  const Eigen::Index q = x_new.rows(), p = pending_.rows();
  if (p == 0) return own;
  Posterior out;
  out.mean.resize(q + p);
  out.mean << own.mean, mean_;
  out.cov.resize(q + p, q + p);
  out.cov.topLeftCorner(q, q) = own.cov;
  Eigen::MatrixXd storage;
  const Eigen::MatrixXd& x_full = gp_.kernel_rows(x_new, storage);
  Eigen::MatrixXd cross = gp_.kernel().cross(x_full, pending_);
  cross.noalias() -= gp_.kernel().cross(x_full, gp_.inputs()) * A_;
  out.cov.topRightCorner(q, p) = cross;
  out.cov.bottomLeftCorner(p, q) = cross.transpose();
  out.cov.bottomRightCorner(p, p) = cov_;
  return out;
}

PosteriorWithGradient PendingBlock::posterior_with_gradient(const Eigen::MatrixXd& x_new) const {
  PosteriorWithGradient own = gp_.posterior_with_gradient(x_new);
  const Eigen::Index q = x_new.rows(), p = pending_.rows(), d = x_new.cols();
  if (p == 0) return own;
  const Kernel& k = gp_.kernel();
  PosteriorWithGradient out;
  Posterior& post = out.posterior;
  post.mean.resize(q + p);
  post.mean << own.posterior.mean, mean_;
  post.cov.resize(q + p, q + p);
  post.cov.topLeftCorner(q, q) = own.posterior.cov;
  Eigen::MatrixXd storage;
  const Eigen::MatrixXd& x_full = gp_.kernel_rows(x_new, storage);
  Eigen::MatrixXd cross = k.cross(x_full, pending_);
  cross.noalias() -= k.cross(x_full, gp_.inputs()) * A_;
  post.cov.topRightCorner(q, p) = cross;
  post.cov.bottomLeftCorner(p, q) = cross.transpose();
  post.cov.bottomRightCorner(p, p) = cov_;

  PosteriorGradient& g = out.gradient;
  g.mean = std::move(own.gradient.mean);
  g.cov.resize(static_cast<std::size_t>(q));
  for (Eigen::Index i = 0; i < q; ++i) {
    const Eigen::VectorXd xi = x_full.row(i).transpose();
    Eigen::MatrixXd C(d, q + p);
    C.leftCols(q) = own.gradient.cov[static_cast<std::size_t>(i)];
    C.rightCols(p) = k.cross_gradient(xi, pending_).topRows(d);  // a query tail has no gradient
    C.rightCols(p).noalias() -= k.cross_gradient(xi, gp_.inputs()).topRows(d) * A_;
    g.cov[static_cast<std::size_t>(i)] = std::move(C);
  }
  return out;
}

}  // namespace quante::opt
