// What the GP sees when trials stop early. Losses at different steps are not comparable (a
// network after 1 epoch against one after 27), so the model is fit at one fidelity: the highest
// level (step_max, then the rungs downwards) at which at least `min_points` trials have a loss, as
// BOHB does (Falkner, Klein & Hutter 2018, "BOHB: Robust and Efficient Hyperparameter Optimization
// at Scale"). A trial's loss at level L is the last point of its curve at a step <= L, among
// trials whose curve reached L; a full-length trial's loss at step_max is its result.
//
// Trials stopped below L are left out of the fit, as in BOHB, but not forgotten: they keep status
// "stopped", and the proposer keeps new points out of their neighbourhood as it does a failure's
// (without that, a model that sees none of them proposed the same losing point again and again). Entering them at the worst loss seen at L
// (so that the GP learns where the losers were) was tried and measured: on six learning-curve
// functions (bench_multifidelity, 6 seeds, ASHA and Hyperband) leaving them out gave the lower
// median final regret in 10 of 12 comparisons: hundreds of equal imputed values flatten the GP.
//
// ModelInput::Forecast fits at step_max instead: a trial stopped at step_max / forecast_horizon or
// later enters with the loss its curve forecasts there (curve_forecast.hpp); trials stopped
// earlier are avoided as above. With fewer than min_points trials to fit, the rung view is used.
//
// ModelInput::Joint gives the model every trial at every level (rung or step_max) it reached:
// one "ok" record per (trial, level) with the loss there and `stopped_at` set to the level
// (0 at step_max, as a full-length record has; joint_view_level reads it back). The proposal
// engine fits one GP over (configuration, log step / log step_max) on them and proposes at
// step_max (ProposalRequest::fidelity). Trials that reached no level pass on as stopped.
#pragma once

#include <cstdint>
#include <vector>

#include "history.hpp"
#include "fidelity_settings.hpp"

namespace quante::tuner {

struct FidelityModelView {
  std::int64_t level = 0;                    // the step whose losses the model sees
  std::vector<EvaluationRecord> records;     // as the proposal engine takes them: "ok" at `level`,
                                             // failed, or "stopped" (left out of the fit, avoided)
  int observed = 0;                          // trials with a loss at `level`
  int left_out = 0;                          // stopped below it
};

// `levels`: the rungs and step_max, in any order. Failed records pass through as failures.
// Without any trial reaching a level with min_points, the level with the most trials is used.
FidelityModelView fidelity_model_view(const std::vector<EvaluationRecord>& evaluations, std::vector<std::int64_t> levels,
                                      std::int64_t step_max, int min_points,
                                      scheduling::ModelInput input, double forecast_horizon);

// The level of a record of the joint view.
std::int64_t joint_view_level(const EvaluationRecord& record, std::int64_t step_max);

}  // namespace quante::tuner
