// What the tuner asks the model before it stops a trial at a rung (issue 13, the model in the
// promotion rule): how likely the trial's loss at step_max is to beat a threshold (the best
// full-length loss so far), given its configuration and the losses it reported at its rungs.
// The proposal engine hands one with each batch of the joint model (ProposalBatch::forecast);
// TunerState keeps the newest and lets a trial the rule would stop go on when the probability is
// at least [fidelity] keep_probability. An interface, so that the state machine's tests give it
// fixed answers and the state machine never sees a GP.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "space.hpp"

namespace quante::tuner {

class FinalLossForecast {
 public:
  virtual ~FinalLossForecast() = default;
  // P(loss at step_max < threshold) in [0, 1], losses in the study's units and direction (a
  // maximised study's "beat" is "above"); curve: (step, loss) of the trial's rung reports so far.
  virtual double probability_better(const Params& params, const std::vector<std::pair<std::int64_t, double>>& curve,
                                    double threshold) const = 0;
};

}  // namespace quante::tuner
