// A farm simulated in steps, for benchmarks: W workers, each running one trial at a time, every
// step of every trial taking one unit of a virtual clock. The tuner is the real TunerState (the
// same scheduling, schedulers and model view the farm's tuner uses) and the trials are real
// objectives (the builtin learning-curve family, or the mlp training on a CSV for real), each on
// its own thread, paused at every rung until the simulation reaches that moment of virtual time.
// So W trials progress "at once" as they would on W GPUs, decisions see exactly the reports that
// would have arrived before them, and the steps spent are counted exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "history.hpp"
#include "objectives/objective.hpp"
#include "study.hpp"

namespace quante::bench {

struct Checkpoint {
  std::int64_t steps = 0;                  // steps spent when it was taken
  std::optional<tuner::EvaluationRecord> best;  // the trial the tuner would name best (see take_checkpoint)
};

struct SimulationResult {
  std::vector<Checkpoint> checkpoints;     // at each requested step count, in order
  int trials = 0, stopped = 0, failed = 0;
  std::int64_t steps = 0;                  // in all
  double proposal_seconds = 0;
};

// Runs `study` (its [fidelity] table and budget_steps required) with `workers` workers, each
// trial evaluated by `objective`. Checkpoints are taken when the steps spent first reach each of
// `checkpoint_steps` (and at the end for the last).
// Each simulated worker gets its own objective from `make_objective` (as each real worker loads
// its own).
using ObjectiveFactory = std::function<std::unique_ptr<worker::Objective>()>;
SimulationResult simulate(const Study& study, const ObjectiveFactory& make_objective, int workers,
                          const std::vector<std::int64_t>& checkpoint_steps);

}  // namespace quante::bench
