// The early-stopping interface: a trial reports its loss at steps as it trains, and the scheduler
// answers Continue or Stop. The shape is the one schedulers in the field share (Ray Tune's
// TrialScheduler.on_trial_result, Syne Tune's on_trial_result: a report in, a decision out;
// on_trial_add / on_trial_complete keep the bookkeeping). Losses are always minimised here: the
// caller flips the sign for a maximised objective.
//
// Every implementation is a deterministic function of the calls it has received (randomness only
// from the seed given to make_scheduler), so a restarted tuner rebuilds a scheduler by replaying
// its history: the same on_trial_add / on_trial_report / on_trial_complete sequence gives the
// same state and hence the same later decisions.
//
// Rules every scheduler here keeps (see trial_ledger.hpp): the first on_trial_add of an id wins,
// a later one returns the same rungs; a report is ignored (and answered with the trial's standing
// decision) when the trial is unknown, has ended or was stopped, or when its step is not above the
// last accepted step of that trial; a NaN or infinite loss counts as the worst loss; a Stop is
// final.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fidelity_settings.hpp"

namespace quante::tuner::scheduling {

enum class Decision { Continue, Stop };

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // A new trial (ids unique, in the order the tuner proposed them; `ordinal` = 0, 1, 2, ... its
  // proposal index). Returns the steps at which it wants a decision (its rungs; empty: never asked).
  virtual std::vector<std::int64_t> on_trial_add(const std::string& trial, std::uint64_t ordinal) = 0;
  // A report at `step`: meant for rung steps but accepted at any step (a report that passes a rung
  // the trial has not reached before is judged at that rung). Returns the decision.
  virtual Decision on_trial_report(const std::string& trial, std::int64_t step, double loss) = 0;
  // The trial ended: finished at full length, stopped, or failed (failed trials pass nullopt).
  virtual void on_trial_complete(const std::string& trial, std::int64_t last_step, std::optional<double> loss) = 0;
  // The rungs a trial was given (for resume and inspection); empty for an unknown trial.
  virtual std::vector<std::int64_t> rungs_of(const std::string& trial) const = 0;
  // The tuner overrides the Stop this scheduler just gave the trial (its model expects the trial
  // to beat the best full-length loss): the trial goes on and is judged again at its next rung;
  // the report stays counted at its rung. The one exception to "a Stop is final"; a resumed tuner
  // replays it from the journalled decision, so the state comes back the same.
  virtual void keep_going(const std::string& trial) = 0;
};

// The scheduler for settings.scheduler; `seed` drives Hyperband's bracket draws (the others take no
// randomness). Throws std::invalid_argument with validate()'s text for invalid settings.
std::unique_ptr<Scheduler> make_scheduler(const FidelitySettings& settings, std::uint64_t seed);

}  // namespace quante::tuner::scheduling
