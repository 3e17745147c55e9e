// name_best_record: the rule of named_best.hpp, written once.
#include "named_best.hpp"

#include <utility>

#include "proposal_engine.hpp"

namespace quante::tuner {

std::optional<NamedRecord> name_best_record(const Study& study, const std::vector<EvaluationRecord>& evaluations,
                                            std::optional<EvaluationRecord> lowest) {
  if (!lowest) return std::nullopt;
  NamedRecord named{std::move(*lowest), std::nullopt, std::nullopt, std::nullopt};
  ProposalEngine engine(study);
  if (auto by_model = engine.name_best(evaluations)) {
    named.noise_variance = by_model->noise_variance;
    if (by_model->by_posterior_mean) {
      named.record = evaluations[by_model->index];
      named.posterior_mean = by_model->mean_loss;
    }
  }
  if (auto confirmed = confirmed_best(evaluations, study)) {
    named.record = evaluations[confirmed->index];
    named.posterior_mean.reset();
    named.confirmed = confirmed;
  }
  return named;
}

}  // namespace quante::tuner
