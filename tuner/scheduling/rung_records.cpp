#include "rung_records.hpp"

#include <algorithm>
#include <cmath>

namespace quante::tuner::scheduling {

RungRecords::RungRecords(double eta, int min_trials)
    : eta_(eta), min_trials_(static_cast<std::size_t>(std::max(min_trials, 0))) {}

Decision RungRecords::record(std::int64_t rung, double loss) {
  auto& losses = sorted_losses_[rung];
  losses.insert(std::upper_bound(losses.begin(), losses.end(), loss), loss);
  const std::size_t n = losses.size();
  if (n < min_trials_) return Decision::Continue;
  const auto quota = std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(static_cast<double>(n) / eta_)));
  const auto better = static_cast<std::size_t>(std::lower_bound(losses.begin(), losses.end(), loss) - losses.begin());
  return better < quota ? Decision::Continue : Decision::Stop;
}

std::vector<double> RungRecords::losses_at(std::int64_t rung) const {
  auto it = sorted_losses_.find(rung);
  return it == sorted_losses_.end() ? std::vector<double>{} : it->second;
}

}  // namespace quante::tuner::scheduling
