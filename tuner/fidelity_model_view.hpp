// What the GP sees when trials stop early. Losses at different steps are not comparable (a
// network after 1 epoch against one after 27), so the model is fit at one fidelity: the highest
// level (step_max, then the rungs downwards) at which at least `min_points` trials have a loss, as
// BOHB does (Falkner, Klein & Hutter 2018, "BOHB: Robust and Efficient Hyperparameter Optimization
// at Scale"). A trial's loss at level L is the last point of its curve at a step <= L, among
// trials whose curve reached L; a full-length trial's loss at step_max is its result.
//
// One change from BOHB: a trial that was stopped below L does not vanish from the model. It
// lost a rung contest, so it enters at the worst loss seen at L. Without this the GP never
// learns where the losers were and keeps proposing next to them (with ASHA most trials are
// stopped, so most of what was learnt would be thrown away). The worst, rather than the trial's
// own early loss, keeps the imputed values on L's scale.
#pragma once

#include <cstdint>
#include <vector>

#include "history.hpp"
#include "study.hpp"

namespace quante::tuner {

struct FidelityModelView {
  std::int64_t level = 0;                    // the step whose losses the model sees
  std::vector<EvaluationRecord> records;     // as the proposal engine takes them
  int observed = 0;                          // trials with a loss at `level`
  int imputed = 0;                           // stopped below it, entered at the worst loss
};

// `levels`: the rungs and step_max, in any order. Failed records pass through as failures.
// Without any trial reaching a level with min_points, the level with the most trials is used.
FidelityModelView fidelity_model_view(const std::vector<EvaluationRecord>& evaluations, std::vector<std::int64_t> levels,
                                      std::int64_t step_max, int min_points, const Study& study);

}  // namespace quante::tuner
