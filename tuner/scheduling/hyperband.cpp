#include "hyperband.hpp"

#include <random>
#include <stdexcept>

#include "rungs.hpp"

namespace quante::tuner::scheduling {

namespace {

// The SplitMix64 finaliser (Steele, Lea & Flood 2014).
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Output number `ordinal` (from 0) of SplitMix64 whose state starts at mix64(seed).
std::uint64_t trial_seed(std::uint64_t seed, std::uint64_t ordinal) {
  return mix64(mix64(seed) + 0x9E3779B97F4A7C15ull * (ordinal + 1));
}

}  // namespace

std::vector<double> hyperband_bracket_probabilities(const std::vector<std::int64_t>& rungs, std::int64_t step_max) {
  const std::size_t s_max = rungs.size();
  std::vector<double> p(s_max + 1);
  double total = 0;
  for (std::size_t s = 0; s <= s_max; ++s) {
    const double first = static_cast<double>(s < s_max ? rungs[s] : step_max);
    p[s] = 1.0 / (static_cast<double>(s_max - s + 1) * first);
    total += p[s];
  }
  for (double& v : p) v /= total;
  return p;
}

std::size_t draw_hyperband_bracket(const std::vector<double>& probabilities, std::uint64_t seed,
                                   std::uint64_t ordinal) {
  if (probabilities.empty()) throw std::invalid_argument("draw_hyperband_bracket: no brackets");
  std::mt19937_64 rng(trial_seed(seed, ordinal));
  const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // uniform in [0, 1), 53 bits
  double cumulative = 0;
  for (std::size_t s = 0; s + 1 < probabilities.size(); ++s) {
    cumulative += probabilities[s];
    if (u < cumulative) return s;
  }
  return probabilities.size() - 1;  // also catches a cumulative sum that rounds below 1
}

HyperbandScheduler::HyperbandScheduler(const FidelitySettings& settings, std::uint64_t seed)
    : seed_(seed),
      rungs_(rung_steps(settings.step_min, settings.step_max, effective_eta(settings))),
      probabilities_(hyperband_bracket_probabilities(rungs_, settings.step_max)),
      brackets_(probabilities_.size(), RungRecords(effective_eta(settings), effective_min_trials_at_rung(settings))) {}

std::vector<std::int64_t> HyperbandScheduler::on_trial_add(const std::string& trial, std::uint64_t ordinal) {
  // A known id keeps its first bracket, as the ledger keeps its first rungs.
  const auto it = bracket_of_.try_emplace(trial, draw_hyperband_bracket(probabilities_, seed_, ordinal)).first;
  const auto first = rungs_.begin() + static_cast<std::ptrdiff_t>(it->second);
  return ledger_.add(trial, std::vector<std::int64_t>(first, rungs_.end()));
}

Decision HyperbandScheduler::on_trial_report(const std::string& trial, std::int64_t step, double loss) {
  const auto report = ledger_.accept(trial, step, loss);
  if (!report) return ledger_.standing(trial);
  if (!report->rung) return Decision::Continue;
  const Decision decision = brackets_[bracket_of_.at(trial)].record(*report->rung, report->loss);
  if (decision == Decision::Stop) ledger_.stop(trial);
  return decision;
}

void HyperbandScheduler::on_trial_complete(const std::string& trial, std::int64_t last_step,
                                           std::optional<double> loss) {
  ledger_.end(trial, last_step, loss);  // a final loss is not a rung loss: nothing to record
}

std::vector<std::int64_t> HyperbandScheduler::rungs_of(const std::string& trial) const {
  return ledger_.rungs_of(trial);
}

std::optional<std::size_t> HyperbandScheduler::bracket_of(const std::string& trial) const {
  auto it = bracket_of_.find(trial);
  return it == bracket_of_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
}

std::vector<double> HyperbandScheduler::rung_losses(std::size_t bracket, std::int64_t rung) const {
  return bracket < brackets_.size() ? brackets_[bracket].losses_at(rung) : std::vector<double>{};
}

}  // namespace quante::tuner::scheduling
