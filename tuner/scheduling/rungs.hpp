// The rung table: the steps at which an early-stopping rule looks at a trial. Rung k is
// first_rung * eta^k (Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning",
// MLSys: r * eta^(s + k)), kept while it is below step_max: at step_max a trial is finished, so
// there is nothing left to decide.
//
// Rounding, so that every platform builds the same table: the product is computed by repeated
// double multiplication (x_0 = first_rung, x_{k+1} = x_k * eta; exact for an integer eta below
// 2^53) and rounded half up (floor(x + 0.5)). A rounded value not above the previous rung is
// skipped, so the table is strictly increasing; that only happens for eta < 2 at small steps
// (step_min 1, eta 1.5: 1, 2, [2 skipped], 3, 5, 8, 11, 17, 26, ...).
#pragma once

#include <cstdint>
#include <vector>

namespace quante::tuner::scheduling {

// Rungs below step_max (empty when first_rung >= step_max). Throws std::invalid_argument when
// first_rung < 1 or eta is outside [kMinEta, kMaxEta] (validate() the settings first).
std::vector<std::int64_t> rung_steps(std::int64_t first_rung, std::int64_t step_max, double eta);

}  // namespace quante::tuner::scheduling
