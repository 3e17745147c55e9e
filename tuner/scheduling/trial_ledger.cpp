#include "trial_ledger.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace quante::tuner::scheduling {

double loss_or_worst(double loss) {
  return std::isfinite(loss) ? loss : std::numeric_limits<double>::infinity();
}

std::vector<std::int64_t> TrialLedger::add(const std::string& trial, std::vector<std::int64_t> rungs) {
  auto [it, inserted] = entries_.try_emplace(trial);
  if (inserted) it->second.rungs = std::move(rungs);
  return it->second.rungs;
}

std::optional<AcceptedReport> TrialLedger::accept(const std::string& trial, std::int64_t step, double loss) {
  auto it = entries_.find(trial);
  if (it == entries_.end()) return std::nullopt;
  Entry& e = it->second;
  if (e.stopped || e.ended || (e.last_step && step <= *e.last_step)) return std::nullopt;
  e.last_step = step;
  AcceptedReport report{loss_or_worst(loss), std::nullopt};
  // Rungs past `step` start at `above`; the one before it is the highest rung the step reaches.
  const auto above = std::upper_bound(e.rungs.begin(), e.rungs.end(), step);
  const auto reached = static_cast<std::size_t>(above - e.rungs.begin());
  if (reached > e.next_rung) {
    report.rung = e.rungs[reached - 1];
    e.next_rung = reached;
  }
  return report;
}

Decision TrialLedger::standing(const std::string& trial) const {
  auto it = entries_.find(trial);
  return it != entries_.end() && it->second.stopped ? Decision::Stop : Decision::Continue;
}

void TrialLedger::resume(const std::string& trial) {
  if (auto it = entries_.find(trial); it != entries_.end()) it->second.stopped = false;
}

void TrialLedger::stop(const std::string& trial) {
  if (auto it = entries_.find(trial); it != entries_.end()) it->second.stopped = true;
}

std::optional<double> TrialLedger::end(const std::string& trial, std::int64_t last_step, std::optional<double> loss) {
  auto it = entries_.find(trial);
  if (it == entries_.end()) return std::nullopt;
  Entry& e = it->second;
  const bool counts = loss && !e.stopped && !e.ended && (!e.last_step || last_step > *e.last_step);
  e.ended = true;
  if (!counts) return std::nullopt;
  e.last_step = last_step;
  return loss_or_worst(*loss);
}

std::vector<std::int64_t> TrialLedger::rungs_of(const std::string& trial) const {
  auto it = entries_.find(trial);
  return it == entries_.end() ? std::vector<std::int64_t>{} : it->second.rungs;
}

}  // namespace quante::tuner::scheduling
