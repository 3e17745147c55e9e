// opt::model_subset (the bounded model's rows) against a brute-force reference: a full sort by
// (target, index) for the best quarter, the evenly spaced picks of the rest recomputed from the
// definition, all in history order; and evenly_spaced's end points and spacing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "model_subset.hpp"
#include "rng.hpp"

using namespace quante::opt;

namespace {

std::vector<Eigen::Index> reference_subset(const Eigen::VectorXd& y, std::size_t count) {
  const auto n = static_cast<std::size_t>(y.size());
  std::vector<Eigen::Index> order(n);
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  if (n <= count) return order;
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return y[a] < y[b]; });
  std::set<Eigen::Index> chosen(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count / 4));
  std::vector<Eigen::Index> rest;
  for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(n); ++i)
    if (!chosen.count(i)) rest.push_back(i);
  const std::size_t spread = count - count / 4;
  for (std::size_t k = 0; k < spread; ++k) {
    const double at = spread == 1 ? 0.0 : static_cast<double>(k) * static_cast<double>(rest.size() - 1) / static_cast<double>(spread - 1);
    chosen.insert(rest[static_cast<std::size_t>(std::lround(at))]);
  }
  return {chosen.begin(), chosen.end()};
}

}  // namespace

TEST_CASE("model_subset keeps everything up to the bound", "[model_subset]") {
  const Eigen::VectorXd y = Eigen::VectorXd::LinSpaced(10, 5.0, -5.0);
  const auto rows = model_subset(y, 10);
  REQUIRE(rows.size() == 10);
  for (std::size_t i = 0; i < rows.size(); ++i) CHECK(rows[i] == static_cast<Eigen::Index>(i));
}

TEST_CASE("model_subset matches the brute-force reference", "[model_subset]") {
  Rng rng(11);
  for (int trial = 0; trial < 40; ++trial) {
    const int n = 5 + static_cast<int>(uniform_index(rng, 400));
    const auto count = static_cast<std::size_t>(1 + uniform_index(rng, static_cast<std::uint64_t>(n)));
    Eigen::VectorXd y(n);
    // Coarse values, so that ties at the boundary of the best quarter are common.
    for (int i = 0; i < n; ++i) y[i] = std::floor(8.0 * uniform01(rng));
    INFO("n = " << n << ", count = " << count);
    const auto rows = model_subset(y, count);
    CHECK(rows == reference_subset(y, count));
    CHECK(rows.size() == std::min<std::size_t>(count, static_cast<std::size_t>(n)));
    CHECK(std::is_sorted(rows.begin(), rows.end()));
    CHECK(std::adjacent_find(rows.begin(), rows.end()) == rows.end());
  }
}

TEST_CASE("model_subset holds the best quarter and both ends of the history", "[model_subset]") {
  const int n = 2000;
  Eigen::VectorXd y(n);
  Rng rng(3);
  for (int i = 0; i < n; ++i) y[i] = uniform01(rng);
  const auto rows = model_subset(y, 1000);
  REQUIRE(rows.size() == 1000);
  std::vector<double> sorted(y.data(), y.data() + n);
  std::sort(sorted.begin(), sorted.end());
  int best = 0;
  for (Eigen::Index i : rows) best += y[i] <= sorted[249] ? 1 : 0;
  CHECK(best >= 250);  // the best 250 and, among the spread, those that happen to be good
  const std::set<Eigen::Index> kept(rows.begin(), rows.end());
  int kept_best = 0;
  for (int i = 0; i < n; ++i) kept_best += (y[i] <= sorted[249] && kept.count(i)) ? 1 : 0;
  CHECK(kept_best == 250);
  // The first and last points outside the best quarter are both in the spread.
  Eigen::Index first = 0, last = n - 1;
  while (y[first] <= sorted[249]) ++first;
  while (y[last] <= sorted[249]) --last;
  CHECK(kept.count(first));
  CHECK(kept.count(last));
}

TEST_CASE("evenly_spaced picks both ends and spreads evenly", "[model_subset]") {
  CHECK(evenly_spaced(5, 9) == std::vector<std::size_t>{0, 1, 2, 3, 4});
  CHECK(evenly_spaced(10, 1) == std::vector<std::size_t>{0});
  CHECK(evenly_spaced(11, 3) == std::vector<std::size_t>{0, 5, 10});
  const auto picks = evenly_spaced(1000, 100);
  REQUIRE(picks.size() == 100);
  CHECK(picks.front() == 0);
  CHECK(picks.back() == 999);
  for (std::size_t k = 1; k < picks.size(); ++k) {
    const auto gap = picks[k] - picks[k - 1];
    CHECK((gap == 10 || gap == 11));
  }
}
