#include "confirmation.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace quante::tuner {

std::vector<std::size_t> confirmation_candidates(const std::vector<EvaluationRecord>& records, const Study& study,
                                                 int count) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < records.size(); ++i)
    if (records[i].ok() && records[i].loss && records[i].confirms.empty()) order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return study.better(*records[a].loss, *records[b].loss); });
  std::vector<std::size_t> chosen;
  std::set<std::string> seen;
  for (std::size_t i : order) {
    if (static_cast<int>(chosen.size()) >= count) break;
    if (seen.insert(study.space.key(records[i].params)).second) chosen.push_back(i);
  }
  return chosen;
}

std::optional<ConfirmedBest> confirmed_best(const std::vector<EvaluationRecord>& records, const Study& study) {
  std::map<std::string, std::size_t> index_of_job;
  for (std::size_t i = 0; i < records.size(); ++i) index_of_job[records[i].job] = i;
  std::map<std::size_t, std::pair<double, int>> sums;  // original index -> (sum, count) of repeats
  for (const auto& r : records) {
    if (r.confirms.empty()) continue;
    const auto original = index_of_job.find(r.confirms);
    if (original == index_of_job.end() || !records[original->second].ok()) continue;
    auto& [sum, n] = sums[original->second];
    if (r.ok() && r.loss) {
      sum += *r.loss;
      ++n;
    }
  }
  std::optional<ConfirmedBest> best;
  for (const auto& [index, sum_count] : sums) {
    const double mean = (sum_count.first + *records[index].loss) / (sum_count.second + 1);
    if (!best || study.better(mean, best->mean)) best = ConfirmedBest{index, mean, sum_count.second + 1};
  }
  return best;
}

}  // namespace quante::tuner
