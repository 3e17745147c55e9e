#include "median_stopping.hpp"

#include <algorithm>

#include "rungs.hpp"

namespace quante::tuner::scheduling {

void MedianStoppingScheduler::History::append(std::int64_t step, double loss) {
  best = steps.empty() ? loss : std::min(best, loss);
  steps.push_back(step);
  prefix_sums.push_back((prefix_sums.empty() ? 0.0 : prefix_sums.back()) + loss);
}

std::optional<double> MedianStoppingScheduler::History::average_up_to(std::int64_t step) const {
  const auto count = static_cast<std::size_t>(std::upper_bound(steps.begin(), steps.end(), step) - steps.begin());
  if (count == 0) return std::nullopt;
  return prefix_sums[count - 1] / static_cast<double>(count);
}

MedianStoppingScheduler::MedianStoppingScheduler(const FidelitySettings& settings)
    : rungs_(rung_steps(settings.step_min, settings.step_max, effective_eta(settings))),
      min_others_(static_cast<std::size_t>(effective_min_trials_at_rung(settings))) {}

std::vector<std::int64_t> MedianStoppingScheduler::on_trial_add(const std::string& trial, std::uint64_t) {
  histories_.try_emplace(trial);
  return ledger_.add(trial, rungs_);
}

Decision MedianStoppingScheduler::on_trial_report(const std::string& trial, std::int64_t step, double loss) {
  const auto report = ledger_.accept(trial, step, loss);
  if (!report) return ledger_.standing(trial);
  histories_[trial].append(step, report->loss);
  if (!report->rung) return Decision::Continue;
  const Decision decision = decide(trial, step);
  if (decision == Decision::Stop) ledger_.stop(trial);
  return decision;
}

Decision MedianStoppingScheduler::decide(const std::string& trial, std::int64_t step) const {
  std::vector<double> averages;
  for (const auto& [other, history] : histories_) {
    if (other == trial || history.steps.empty() || history.steps.back() < step) continue;
    if (auto average = history.average_up_to(step)) averages.push_back(*average);
  }
  if (averages.empty() || averages.size() < min_others_) return Decision::Continue;
  std::sort(averages.begin(), averages.end());
  const std::size_t mid = averages.size() / 2;
  double median = averages[mid];
  if (averages.size() % 2 == 0) {
    const double low = averages[mid - 1];
    median = low == median ? low : low + (median - low) / 2;  // no inf - inf, no overflow
  }
  return histories_.at(trial).best > median ? Decision::Stop : Decision::Continue;
}

void MedianStoppingScheduler::on_trial_complete(const std::string& trial, std::int64_t last_step,
                                                std::optional<double> loss) {
  if (auto final_loss = ledger_.end(trial, last_step, loss)) histories_[trial].append(last_step, *final_loss);
}

std::vector<std::int64_t> MedianStoppingScheduler::rungs_of(const std::string& trial) const {
  return ledger_.rungs_of(trial);
}

std::optional<double> MedianStoppingScheduler::running_average(const std::string& trial, std::int64_t step) const {
  auto it = histories_.find(trial);
  return it == histories_.end() ? std::nullopt : it->second.average_up_to(step);
}

}  // namespace quante::tuner::scheduling
