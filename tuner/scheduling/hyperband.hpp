// Asynchronous Hyperband, stopping variant (Li et al. 2020, "A System for Massively Parallel
// Hyperparameter Tuning", MLSys, the section on asynchronous Hyperband; as Syne Tune's
// "hyperband_stopping" with its default bracket distribution). ASHA with one fixed first rung
// bets that early losses rank trials well; Hyperband hedges that bet by running brackets with
// different first rungs, each bracket an independent ASHA.
//
// Brackets. With the ASHA rungs r_0 < ... < r_{m-1} below step_max (rungs.hpp, r_k = step_min *
// eta^k), s_max = m and bracket s = 0..s_max stops at r_s, ..., r_{m-1}: bracket 0 is plain ASHA,
// bracket s_max has no rung below step_max and never stops a trial (its first rung would be
// step_max or beyond). For step_max = step_min * eta^j exactly, s_max = j = log_eta(R) with
// R = step_max / step_min, Hyperband's own s_max (Li et al. 2018, JMLR, "Hyperband").
//
// Which bracket. A trial's bracket is drawn with probability proportional to the number of
// trials synchronous Hyperband starts in it, n_s = (s_max + 1) / (s_max - s + 1) * step_max / f_s
// (Li et al. 2018, without the ceiling that makes it a count), Syne Tune's default distribution:
//   p_s ∝ 1 / ((s_max - s + 1) * f_s),  f_s = r_s for s < s_max, f_{s_max} = step_max.
// When f_s = step_min * eta^s for every s (step_max a power-of-eta multiple of step_min) this is
//   p_s ∝ eta^(s_max - s) / (s_max - s + 1);
// otherwise the real first rungs are used, so the no-stopping bracket of step_max = 52 (eta 3,
// step_min 1) weighs 1/52, not 1/81.
//
// The draw is a function of (seed, ordinal) alone: a std::mt19937_64 seeded with output number
// `ordinal` (from 0) of SplitMix64 started at a hash of the seed, one 53-bit uniform u from it,
// and the first s whose cumulative probability exceeds u. So a resumed run that replays its trials
// gets the same brackets in any order, and every standard library gives the same draws (the
// std::uniform_*_distribution classes are not specified bit for bit, so they are not used).
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "rung_records.hpp"
#include "scheduler.hpp"
#include "trial_ledger.hpp"

namespace quante::tuner::scheduling {

// p_0..p_{s_max} for the ASHA rungs `rungs` (s_max = rungs.size()) and step_max; sums to 1.
std::vector<double> hyperband_bracket_probabilities(const std::vector<std::int64_t>& rungs, std::int64_t step_max);

// The bracket of the trial with proposal index `ordinal`. Throws std::invalid_argument on an empty
// probability vector.
std::size_t draw_hyperband_bracket(const std::vector<double>& probabilities, std::uint64_t seed,
                                   std::uint64_t ordinal);

class HyperbandScheduler final : public Scheduler {
 public:
  HyperbandScheduler(const FidelitySettings& settings, std::uint64_t seed);

  std::vector<std::int64_t> on_trial_add(const std::string& trial, std::uint64_t ordinal) override;
  Decision on_trial_report(const std::string& trial, std::int64_t step, double loss) override;
  void on_trial_complete(const std::string& trial, std::int64_t last_step, std::optional<double> loss) override;
  std::vector<std::int64_t> rungs_of(const std::string& trial) const override;
  void keep_going(const std::string& trial) override { ledger_.resume(trial); }

  // Inspection: the bracket probabilities, a trial's bracket, a bracket's recorded losses at a rung.
  const std::vector<double>& bracket_probabilities() const { return probabilities_; }
  std::optional<std::size_t> bracket_of(const std::string& trial) const;
  std::vector<double> rung_losses(std::size_t bracket, std::int64_t rung) const;

 private:
  std::uint64_t seed_;
  std::vector<std::int64_t> rungs_;  // bracket s uses rungs_[s..]
  std::vector<double> probabilities_;
  std::vector<RungRecords> brackets_;
  std::unordered_map<std::string, std::size_t> bracket_of_;
  TrialLedger ledger_;
};

}  // namespace quante::tuner::scheduling
