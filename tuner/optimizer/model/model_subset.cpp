// The bounded model's rows; see model_subset.hpp.
#include "model_subset.hpp"

#include <algorithm>
#include <numeric>

namespace quante::opt {

std::vector<std::size_t> evenly_spaced(std::size_t n, std::size_t count) {
  std::vector<std::size_t> picked;
  if (count >= n) {
    picked.resize(n);
    std::iota(picked.begin(), picked.end(), std::size_t{0});
    return picked;
  }
  for (std::size_t k = 0; k < count; ++k)
    picked.push_back(count == 1 ? 0 : static_cast<std::size_t>(static_cast<double>(k) * static_cast<double>(n - 1) /
                                                                static_cast<double>(count - 1) + 0.5));
  return picked;
}

std::vector<Eigen::Index> model_subset(const Eigen::VectorXd& y, std::size_t count) {
  const auto n = static_cast<std::size_t>(y.size());
  std::vector<Eigen::Index> all(n);
  std::iota(all.begin(), all.end(), Eigen::Index{0});
  if (n <= count) return all;
  const std::size_t best_count = count / 4;
  std::vector<Eigen::Index> by_target = all;
  const auto lower = [&](Eigen::Index a, Eigen::Index b) { return y[a] < y[b] || (y[a] == y[b] && a < b); };
  std::nth_element(by_target.begin(), by_target.begin() + static_cast<std::ptrdiff_t>(best_count), by_target.end(), lower);
  std::vector<char> best(n, 0);
  for (std::size_t k = 0; k < best_count; ++k) best[static_cast<std::size_t>(by_target[k])] = 1;
  std::vector<Eigen::Index> rest;
  rest.reserve(n - best_count);
  for (Eigen::Index i : all)
    if (!best[static_cast<std::size_t>(i)]) rest.push_back(i);
  std::vector<char> keep = best;
  for (std::size_t k : evenly_spaced(rest.size(), count - best_count)) keep[static_cast<std::size_t>(rest[k])] = 1;
  std::vector<Eigen::Index> subset;
  subset.reserve(count);
  for (Eigen::Index i : all)
    if (keep[static_cast<std::size_t>(i)]) subset.push_back(i);
  return subset;
}

}  // namespace quante::opt
