// ASHA's stopping rule at the rungs of one bracket (Li et al. 2020, "A System for Massively
// Parallel Hyperparameter Tuning", MLSys, Algorithm 2, in its stopping form as in Syne Tune's
// "stopping" type and Ray Tune's ASHAScheduler): a trial that reaches rung k has its loss recorded
// there first, then continues iff it is among the best floor(n / eta) of the n losses recorded at
// that rung, i.e. iff fewer than floor(n / eta) recorded losses are strictly better than its own.
//
// - Ties continue: equal losses are not "better", so trials with the same loss share a rank.
// - Too few samples: while a rung holds fewer than min_trials losses every trial continues there.
//   A first rung is noisy (an untrained network after one epoch says little), and asynchronous
//   ASHA judges early arrivals against whoever happens to be there; without this floor the first
//   few trials at a rung could stop each other on one or two samples.
// - The best loss at a rung always continues: the quota is max(1, floor(n / eta)). This only
//   matters when min_trials is below eta: with ASHA's default eta 5 and 3 losses, from the third
//   to the ninth loss at a rung only a trial that none beats goes on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "scheduler.hpp"

namespace quante::tuner::scheduling {

class RungRecords {
 public:
  RungRecords(double eta, int min_trials);
  // Records `loss` (already loss_or_worst) at `rung` and decides.
  Decision record(std::int64_t rung, double loss);
  // The losses recorded at a rung, ascending.
  std::vector<double> losses_at(std::int64_t rung) const;

 private:
  double eta_;
  std::size_t min_trials_;
  std::map<std::int64_t, std::vector<double>> sorted_losses_;
};

}  // namespace quante::tuner::scheduling
