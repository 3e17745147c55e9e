// ASHA, stopping variant (Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning",
// MLSys): every trial gets the rungs r_k = step_min * eta^k below step_max (rungs.hpp) and is
// judged at each by the rule in rung_records.hpp: continue iff among the best floor(n / eta) of
// the n losses recorded at that rung so far, ties continuing, everyone continuing while the rung
// holds fewer than min_trials_at_rung losses (default max(2, min(3, ceil(eta)))). Asynchronous: a trial is
// judged on arrival against whoever reached the rung before it, with no waiting for a full rung,
// which is what keeps a farm of GPUs busy. This is the promotion rule of successive halving turned
// into a stopping rule: instead of promoting the top 1/eta later, the rest are stopped now.
#pragma once

#include "rung_records.hpp"
#include "scheduler.hpp"
#include "trial_ledger.hpp"

namespace quante::tuner::scheduling {

class AshaScheduler final : public Scheduler {
 public:
  explicit AshaScheduler(const FidelitySettings& settings);

  std::vector<std::int64_t> on_trial_add(const std::string& trial, std::uint64_t ordinal) override;
  Decision on_trial_report(const std::string& trial, std::int64_t step, double loss) override;
  void on_trial_complete(const std::string& trial, std::int64_t last_step, std::optional<double> loss) override;
  std::vector<std::int64_t> rungs_of(const std::string& trial) const override;
  void keep_going(const std::string& trial) override { ledger_.resume(trial); }

  // The losses recorded at a rung, ascending (inspection, tests).
  std::vector<double> rung_losses(std::int64_t rung) const { return records_.losses_at(rung); }

 private:
  std::vector<std::int64_t> rungs_;
  TrialLedger ledger_;
  RungRecords records_;
};

}  // namespace quante::tuner::scheduling
