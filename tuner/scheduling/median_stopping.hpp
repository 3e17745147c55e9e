// The median stopping rule (Golovin et al. 2017, "Google Vizier: A Service for Black-Box
// Optimization", KDD, section 3.2.2): stop a trial at step s if its best loss so far is strictly
// worse than the median, over the other trials, of their running averages of the losses they
// reported up to step s. Model-free and with no parameters beyond a minimum sample, it asks only
// whether a trial is doing worse than a typical trial was doing by the same point.
//
// Here:
// - decisions are taken at the ASHA rungs (step_min * eta^k below step_max, rungs.hpp), at the
//   step s of the report that reaches a rung; other reports are recorded and answered Continue;
// - "the other trials" are those with a report at or beyond s and one at or before s (a running
//   average up to s needs at least one loss by s; a trial that only started reporting after s has
//   none), running, finished, stopped or failed alike: a trial's reports stay valid observations;
// - the running average up to s is the mean of the trial's accepted reports at steps <= s, each
//   report weighing the same (so trials are best compared when they report at the same steps);
// - the median of an even count is the mean of the two middle values;
// - with fewer than min_trials_at_rung (default 3) such other trials the trial continues;
// - a finished trial's final loss (on_trial_complete) joins its history at last_step.
#pragma once

#include <unordered_map>

#include "scheduler.hpp"
#include "trial_ledger.hpp"

namespace quante::tuner::scheduling {

class MedianStoppingScheduler final : public Scheduler {
 public:
  explicit MedianStoppingScheduler(const FidelitySettings& settings);

  std::vector<std::int64_t> on_trial_add(const std::string& trial, std::uint64_t ordinal) override;
  Decision on_trial_report(const std::string& trial, std::int64_t step, double loss) override;
  void on_trial_complete(const std::string& trial, std::int64_t last_step, std::optional<double> loss) override;
  std::vector<std::int64_t> rungs_of(const std::string& trial) const override;
  void keep_going(const std::string& trial) override { ledger_.resume(trial); }

  // The mean of the trial's accepted losses at steps <= step; nullopt when it has none by then
  // (or is unknown).
  std::optional<double> running_average(const std::string& trial, std::int64_t step) const;

 private:
  struct History {
    std::vector<std::int64_t> steps;  // accepted report steps, increasing
    std::vector<double> prefix_sums;  // prefix_sums[i] = sum of the losses at steps[0..i]
    double best = 0;                  // the lowest accepted loss (valid when steps is non-empty)
    void append(std::int64_t step, double loss);
    std::optional<double> average_up_to(std::int64_t step) const;
  };
  Decision decide(const std::string& trial, std::int64_t step) const;

  std::vector<std::int64_t> rungs_;
  std::size_t min_others_;
  TrialLedger ledger_;
  std::unordered_map<std::string, History> histories_;
};

}  // namespace quante::tuner::scheduling
