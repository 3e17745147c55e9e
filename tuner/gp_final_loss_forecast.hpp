// FinalLossForecast from the joint model's GP over (configuration, step) (fidelity_model_view.hpp,
// FidelityDecayKernel): a copy of the fitted GP taken right after a proposal, conditioned on the
// asking trial's rung losses (rank-one updates with the fitted hyperparameters, O(n^2) each) and
// queried at (x, step_max): P(f < threshold) = Phi((t - mean) / sd) in the GP's transformed units,
// the transform being monotone. Immutable once made, so the proposal thread may hand it to the
// tuner's loop thread.
#pragma once

#include <cstdint>

#include "final_loss_forecast.hpp"
#include "gaussian_process.hpp"
#include "space.hpp"

namespace quante::tuner {

class GpFinalLossForecast final : public FinalLossForecast {
 public:
  // gp: fitted over the encoded configuration plus the fidelity column, its query tail at 1;
  // sign: +1 for a minimised study, -1 for a maximised one (the GP sees sign * loss).
  GpFinalLossForecast(opt::GaussianProcess gp, SearchSpace space, std::int64_t step_max, double sign);

  double probability_better(const Params& params, const std::vector<std::pair<std::int64_t, double>>& curve,
                            double threshold) const override;

 private:
  opt::GaussianProcess gp_;
  SearchSpace space_;
  double log_step_max_;
  double sign_;
};

}  // namespace quante::tuner
