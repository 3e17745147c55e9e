// The study file's [fidelity] table: how long a trial may train (steps step_min..step_max), how
// aggressively it may be stopped early (eta) and by which rule. A plain struct with defaults that
// the study reader fills; validate() returns the first problem as text naming the key, checked in
// release builds too (a study file is untrusted input).
//
// eta is bounded to [1.01, 100]. Building the rung table takes log(step_max / step_min) / log(eta)
// products, so an eta just above 1 would take unbounded work while stopping almost nothing (ASHA
// keeps floor(n / eta) = n - 1 of n trials); above 100, ASHA would keep under 1 in 100 per rung.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "scheduler_kind.hpp"

namespace quante::tuner::scheduling {

inline constexpr double kMinEta = 1.01;
inline constexpr double kMaxEta = 100.0;

// What the GP is fitted on when trials stop early (fidelity_model_view.hpp). Joint is the default:
// it ended lower than Rung in all 12 comparisons of the selection benchmark (docs/early-stopping.md).
enum class ModelInput {
  Rung,      // BOHB: the highest level (step_max or a rung) with enough trials, stopped ones left out
  Forecast,  // step_max: trials stopped at step_max / eta or later at the loss their curve forecasts
  Joint,     // one GP over (configuration, step) fitted on every trial's loss at every rung it
             // reached, proposing at step_max (as MOBSTER and freeze-thaw BO do)
};

// The joint model's kernel over (configuration, step): Decay, the loss at step_max plus an excess
// that vanishes there (FidelityDecayKernel); Stationary, the study's kernel with the fidelity as one
// more input. Unset: Decay with ASHA, Stationary with the other schedulers (effective_joint_kernel;
// chosen on the selection benchmark, docs/early-stopping.md).
enum class JointKernel { Decay, Stationary };

// The reduction factor when the study leaves eta out (effective_eta): 5 with ASHA, whose
// proposals come from the model, so that screening can afford to keep only the best fifth at each
// rung; 3 (Li et al.'s choice) with Hyperband and the median rule. Chosen on the selection
// benchmark (docs/early-stopping.md, "eta with the model").
inline constexpr double kDefaultAshaEta = 5.0;
inline constexpr double kDefaultEta = 3.0;

struct FidelitySettings {
  std::int64_t step_min = 1, step_max = 1;
  std::optional<double> eta;  // unset: effective_eta's choice
  SchedulerKind scheduler = SchedulerKind::Asha;
  std::optional<std::int64_t> budget_steps;  // the study's total step budget; not used by the rules
  int min_trials_at_rung = 0;                // 0: the rule's default (effective_min_trials_at_rung)
  ModelInput model_input = ModelInput::Joint;
  std::optional<JointKernel> joint_kernel;  // unset: effective_joint_kernel's choice
  // The model in the promotion rule: a trial the rule would stop at a rung goes on when the joint
  // model gives its full-length loss at least this probability of beating the best full-length
  // loss so far (TunerState, final_loss_forecast.hpp). 0: off; only with model_input "joint".
  double keep_probability = 0.0;
};

JointKernel effective_joint_kernel(const FidelitySettings& settings);

// eta, or its default for the scheduler (kDefaultAshaEta with ASHA, kDefaultEta otherwise).
double effective_eta(const FidelitySettings& settings);

// The first problem, as "fidelity.<key> must ..., not <value>"; nullopt when the settings are valid.
std::optional<std::string> validate(const FidelitySettings& settings);

// min_trials_at_rung with 0 replaced by the rule's default: 3 other trials for the median rule;
// for ASHA and Hyperband max(2, min(3, ceil(eta))) recorded losses: the fewest at which
// floor(n / eta) >= 1 up to eta 3, and 3 above it, where until floor(n / eta) reaches 1 only the
// best loss at the rung goes on (RungRecords' quota of at least one). With eta 5 waiting for 5
// losses let the first trials of a 4-worker farm all run to step_max unjudged; 3 was lower at a
// third of the budget on 5 of the 6 selection functions (docs/early-stopping.md).
int effective_min_trials_at_rung(const FidelitySettings& settings);

}  // namespace quante::tuner::scheduling
