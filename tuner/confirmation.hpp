// [stop] confirm = N: when a study ends (budget, target, patience, an exhausted space or min_qei),
// the N best distinct points are evaluated once more, full length and never stopped early, so that
// the best the tuner names is not a lucky draw of a noisy loss. The re-evaluations are records of
// their own whose "confirms" names the job they repeat; they do not count against `budget`.
// A confirmed point's figure is the mean of its successful evaluations, and the best is named
// among the confirmed points by that mean. Pure functions of the records.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "history.hpp"
#include "study.hpp"

namespace quante::tuner {

// Indexes of the `count` best successful, full-length, first evaluations with distinct points,
// best first.
std::vector<std::size_t> confirmation_candidates(const std::vector<EvaluationRecord>& records, const Study& study,
                                                 int count);

struct ConfirmedBest {
  std::size_t index = 0;  // the original evaluation of the point
  double mean = 0;        // of its successful evaluations, the original one included
  int evaluations = 0;    // how many successful evaluations the mean is over
};

// The confirmed point with the best mean; nullopt when no record confirms another.
std::optional<ConfirmedBest> confirmed_best(const std::vector<EvaluationRecord>& records, const Study& study);

}  // namespace quante::tuner
