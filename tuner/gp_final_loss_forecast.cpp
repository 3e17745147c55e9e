// GpFinalLossForecast (see the header).
#include "gp_final_loss_forecast.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

namespace quante::tuner {

GpFinalLossForecast::GpFinalLossForecast(opt::GaussianProcess gp, SearchSpace space, std::int64_t step_max, double sign)
    : gp_(std::move(gp)),
      space_(std::move(space)),
      log_step_max_(std::log(static_cast<double>(std::max<std::int64_t>(step_max, 2)))),
      sign_(sign) {}

double GpFinalLossForecast::probability_better(const Params& params,
                                               const std::vector<std::pair<std::int64_t, double>>& curve,
                                               double threshold) const {
  const auto unit = space_.encode(params);
  const auto d = static_cast<Eigen::Index>(unit.size());
  if (d + 1 != gp_.inputs().cols()) return 0.0;  // not the joint model this forecast was made for
  Eigen::VectorXd x(d);
  for (Eigen::Index c = 0; c < d; ++c) x(c) = unit[static_cast<std::size_t>(c)];
  opt::GaussianProcess conditioned = gp_;
  try {
    for (const auto& [step, loss] : curve) {
      const double y = sign_ * loss;
      if (!std::isfinite(conditioned.transform_loss(y))) continue;  // a NaN report: nothing to learn
      Eigen::VectorXd row(d + 1);
      row << x, std::clamp(std::log(static_cast<double>(std::max<std::int64_t>(step, 1))) / log_step_max_, 0.0, 1.0);
      conditioned.add_observation(row, y);
    }
  } catch (const std::exception&) {
    return 0.0;  // a rank-one update the factor refused: no forecast, the rule's decision stands
  }
  const double t = conditioned.transform_loss(sign_ * threshold);
  if (!std::isfinite(t)) return 0.0;
  const opt::Posterior p = conditioned.posterior(x.transpose());
  const double sd = std::sqrt(std::max(p.cov(0, 0), 1e-12));
  return 0.5 * std::erfc(-(t - p.mean(0)) / (sd * std::sqrt(2.0)));
}

}  // namespace quante::tuner
