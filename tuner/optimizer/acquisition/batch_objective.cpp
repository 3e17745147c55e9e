// The batch acquisition and its input gradient through the GP; see batch_objective.hpp.
#include "batch_objective.hpp"

#include <stdexcept>

#include "qei_monte_carlo.hpp"
#include "qlogei.hpp"

namespace quante::opt {

BatchObjective::BatchObjective(const GaussianProcess& gp, Eigen::MatrixXd pending,
                               Eigen::MatrixXd base_samples, BatchAcquisitionKind kind)
    : pending_(gp, pending), samples_(std::move(base_samples)), kind_(kind),
      incumbent_(gp.incumbent()) {}

BatchObjective::BatchObjective(PendingBlock pending, Eigen::MatrixXd base_samples, BatchAcquisitionKind kind)
    : pending_(std::move(pending)), samples_(std::move(base_samples)), kind_(kind),
      incumbent_(pending_.gp().incumbent()) {}

double BatchObjective::value(const Eigen::MatrixXd& x_new) const {
  const Posterior p = pending_.posterior(x_new);
  const Eigen::MatrixXd z = samples_.leftCols(p.mean.size());
  return kind_ == BatchAcquisitionKind::QLogEI ? qlogei(p.mean, p.cov, incumbent_, z, false).value
                                               : qei_monte_carlo(p.mean, p.cov, incumbent_, z, false).value;
}

double BatchObjective::value_and_gradient(const Eigen::MatrixXd& x_new, Eigen::MatrixXd& gradient) const {
  // One call for the posterior and its input gradient: they share k(X, Xq) and the solves.
  const PosteriorWithGradient pwg = pending_.posterior_with_gradient(x_new);
  const Posterior& p = pwg.posterior;
  const PosteriorGradient& pg = pwg.gradient;
  const Eigen::MatrixXd z = samples_.leftCols(p.mean.size());
  const McAcquisition a = kind_ == BatchAcquisitionKind::QLogEI
                              ? qlogei(p.mean, p.cov, incumbent_, z, true)
                              : qei_monte_carlo(p.mean, p.cov, incumbent_, z, true);
  const Eigen::Index q = x_new.rows();
  gradient.resize(q, x_new.cols());
  for (Eigen::Index i = 0; i < q; ++i) {
    Eigen::VectorXd c = 2.0 * a.grad_cov.row(i).transpose();
    c[i] = a.grad_cov(i, i);
    gradient.row(i) = (a.grad_mean[i] * pg.mean.row(i).transpose() +
                       pg.cov[static_cast<std::size_t>(i)] * c).transpose();
  }
  return a.value;
}

}  // namespace quante::opt
