// The one rule that names a study's best evaluation, for the run's summary (study_runner) and
// `quante-tuner report` (report.cpp) alike:
//   1. the lowest loss (for the study's direction) among the evaluations that ran their course;
//   2. where the study's GP infers noise, instead the evaluation with the lowest posterior mean
//      (ProposalEngine::name_best), not the luckiest draw of a noisy loss; only from 20 such
//      evaluations on, and the noise decision from the best of five fits (Proposer::name_best);
//   3. with [stop] confirm, the confirmed point with the best mean over its evaluations
//      (confirmed_best, tuner/confirmation.hpp), which overrides both.
#pragma once

#include <optional>
#include <vector>

#include "confirmation.hpp"
#include "history.hpp"
#include "study.hpp"

namespace quante::tuner {

struct NamedRecord {
  EvaluationRecord record;                // the evaluation named as best
  std::optional<double> posterior_mean;   // rule 2: the GP's posterior mean there, in loss units
  std::optional<double> noise_variance;   // the GP's white-noise variance (standardized losses),
                                          // wherever a GP was fitted, whichever rule named
  std::optional<ConfirmedBest> confirmed; // rule 3: the mean and how many evaluations it is over
};

// `lowest`: rule 1's record, as the caller keeps it (TunerState::best, best_record). nullopt when
// there is none (no evaluation ran its course).
std::optional<NamedRecord> name_best_record(const Study& study, const std::vector<EvaluationRecord>& evaluations,
                                            std::optional<EvaluationRecord> lowest);

}  // namespace quante::tuner
