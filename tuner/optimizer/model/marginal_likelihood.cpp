// Log marginal likelihood and gradient (formulas in marginal_likelihood.hpp).
#include "marginal_likelihood.hpp"

#include "cholesky.hpp"

#include <Eigen/Core>

#include <cmath>
#include <numbers>

namespace quante::opt {

std::optional<MarginalLikelihood> log_marginal_likelihood(const Kernel& kernel,
                                                          const Eigen::MatrixXd& X,
                                                          const Eigen::VectorXd& y,
                                                          bool with_gradient,
                                                          MarginalLikelihoodWorkspace* workspace) {
  MarginalLikelihoodWorkspace local;
  MarginalLikelihoodWorkspace& ws = workspace != nullptr ? *workspace : local;
  const Eigen::Index n = X.rows();
  kernel.train_into(X, ws.cache, with_gradient);
  const auto jitter = cholesky_into(ws.cache.K, ws.L);
  if (!jitter) return std::nullopt;
  const auto L = ws.L.triangularView<Eigen::Lower>();
  const auto Lt = ws.L.transpose().triangularView<Eigen::Upper>();
  Eigen::VectorXd alpha = L.solve(y);
  const double data_fit = alpha.squaredNorm();
  Lt.solveInPlace(alpha);

  MarginalLikelihood out;
  out.jitter = *jitter;
  out.value = -0.5 * data_fit - ws.L.diagonal().array().log().sum() -
              0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
  if (!std::isfinite(out.value)) return std::nullopt;
  if (with_gradient) {
    // W = 1/2 (alpha alpha^T - K^-1).
    inverse_from_cholesky(ws.L, ws.W);
    ws.W *= -0.5;
    ws.W.noalias() += (0.5 * alpha) * alpha.transpose();
    out.gradient = Eigen::VectorXd::Zero(kernel.num_hyperparameters());
    kernel.contract_cached(X, ws.cache, ws.W, out.gradient);
  }
  return out;
}

}  // namespace quante::opt
