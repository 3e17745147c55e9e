#include "asha.hpp"

#include "rungs.hpp"

namespace quante::tuner::scheduling {

AshaScheduler::AshaScheduler(const FidelitySettings& settings)
    : rungs_(rung_steps(settings.step_min, settings.step_max, effective_eta(settings))),
      records_(effective_eta(settings), effective_min_trials_at_rung(settings)) {}

std::vector<std::int64_t> AshaScheduler::on_trial_add(const std::string& trial, std::uint64_t) {
  return ledger_.add(trial, rungs_);
}

Decision AshaScheduler::on_trial_report(const std::string& trial, std::int64_t step, double loss) {
  const auto report = ledger_.accept(trial, step, loss);
  if (!report) return ledger_.standing(trial);
  if (!report->rung) return Decision::Continue;
  const Decision decision = records_.record(*report->rung, report->loss);
  if (decision == Decision::Stop) ledger_.stop(trial);
  return decision;
}

void AshaScheduler::on_trial_complete(const std::string& trial, std::int64_t last_step, std::optional<double> loss) {
  ledger_.end(trial, last_step, loss);  // a final loss is not a rung loss: nothing to record
}

std::vector<std::int64_t> AshaScheduler::rungs_of(const std::string& trial) const { return ledger_.rungs_of(trial); }

}  // namespace quante::tuner::scheduling
