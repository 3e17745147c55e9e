// Random-batch and random-point baselines; see random_baseline.hpp.
#include "random_baseline.hpp"

#include <vector>

#include "exclusion_zone.hpp"
#include "qei_monte_carlo.hpp"
#include "rng.hpp"
#include "sobol.hpp"

namespace quante::opt {
namespace {

Eigen::MatrixXd draw_batch(const ExclusionZone& zone, int q, int d, Rng& rng) {
  ExclusionZone batch_zone = zone;
  std::vector<Eigen::VectorXd> chosen;
  for (int i = 0; i < q; ++i)
    if (auto r = batch_zone.random_allowed(rng, 10000)) {
      batch_zone.add_taken(*r);
      chosen.push_back(*r);
    }
  Eigen::MatrixXd out(static_cast<Eigen::Index>(chosen.size()), d);
  for (std::size_t k = 0; k < chosen.size(); ++k) out.row(static_cast<Eigen::Index>(k)) = chosen[k].transpose();
  return out;
}

}  // namespace

Eigen::MatrixXd random_points(const DesignSpace& space, const Eigen::MatrixXd& evaluated,
                              const Eigen::MatrixXd& failed, const Eigen::MatrixXd& pending, int q,
                              std::uint64_t seed, const BatchOptimizerOptions& options) {
  ExclusionZone zone(space, options.min_separation, options.failed_radius);
  zone.add_taken(evaluated);
  zone.add_taken(pending);
  zone.add_failed(failed);
  Rng rng(seed);
  return draw_batch(zone, q, space.dim(), rng);
}

BatchResult random_batches(const GaussianProcess& gp, const DesignSpace& space,
                           const Eigen::MatrixXd& evaluated, const Eigen::MatrixXd& failed,
                           const Eigen::MatrixXd& pending, int q, int n_batches, std::uint64_t seed,
                           const BatchOptimizerOptions& options) {
  ExclusionZone zone(space, options.min_separation, options.failed_radius);
  zone.add_taken(evaluated);
  zone.add_taken(pending);
  zone.add_failed(failed);
  Rng rng(seed);
  const int p = static_cast<int>(pending.rows());
  const Eigen::MatrixXd z = sobol_normal(options.mc_samples, q + p, derive_seed(seed, 3));
  BatchResult result;
  result.points.resize(0, space.dim());
  double best = -INFINITY;
  for (int b = 0; b < std::max(n_batches, 1); ++b) {
    const Eigen::MatrixXd batch = draw_batch(zone, q, space.dim(), rng);
    if (batch.rows() == 0) break;
    Eigen::MatrixXd all(batch.rows() + p, space.dim());
    all.topRows(batch.rows()) = batch;
    if (p > 0) all.bottomRows(p) = pending;
    const Posterior post = gp.posterior(all);
    const double v = qei_monte_carlo(post.mean, post.cov, gp.incumbent(), z.leftCols(all.rows()), false).value;
    if (batch.rows() > result.points.rows() || (batch.rows() == result.points.rows() && v > best)) {
      best = v;
      result.points = batch;
    }
  }
  score_batch(gp, pending, seed, options, result);
  return result;
}

}  // namespace quante::opt
