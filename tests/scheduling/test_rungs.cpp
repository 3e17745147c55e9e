// Rung tables worked by hand: step_min * eta^k below step_max, rounded half up, strictly
// increasing.
#include <limits>

#include "rungs.hpp"
#include "scheduling_test_support.hpp"

using namespace quante::tuner::scheduling;
using Steps = std::vector<std::int64_t>;

TEST_CASE("rung tables for integer eta", "[scheduling][rungs]") {
  CHECK(rung_steps(1, 27, 3) == Steps{1, 3, 9});       // 27 = step_max: the trial is done there
  CHECK(rung_steps(1, 28, 3) == Steps{1, 3, 9, 27});
  CHECK(rung_steps(1, 52, 3) == Steps{1, 3, 9, 27});
  CHECK(rung_steps(1, 9, 3) == Steps{1, 3});
  CHECK(rung_steps(2, 100, 2) == Steps{2, 4, 8, 16, 32, 64});
  CHECK(rung_steps(5, 200, 4) == Steps{5, 20, 80});
  CHECK(rung_steps(1, 1, 3).empty());
  CHECK(rung_steps(30, 27, 3).empty());
  CHECK(rung_steps(27, 27, 3).empty());
}

TEST_CASE("rung tables for fractional eta round half up and skip duplicates", "[scheduling][rungs]") {
  // 2.5^k = 1, 2.5, 6.25, 15.625, 39.0625: 2.5 rounds up to 3 (not to even).
  CHECK(rung_steps(1, 40, 2.5) == Steps{1, 3, 6, 16, 39});
  // 1.5^k = 1, 1.5, 2.25, 3.375, 5.0625, 7.59375, 11.390625, 17.0859375, 25.62890625,
  // 38.443359375, 57.6650390625, 86.49755859375 (all exact in binary); 2.25 rounds to 2 again.
  CHECK(rung_steps(1, 100, 1.5) == Steps{1, 2, 3, 5, 8, 11, 17, 26, 38, 58, 86});
}

TEST_CASE("rung tables up to the largest step do not overflow", "[scheduling][rungs]") {
  const auto max = std::numeric_limits<std::int64_t>::max();
  Steps expected;
  for (std::int64_t r = 1; r <= 1'000'000'000'000'000'000; r *= 100) expected.push_back(r);
  CHECK(rung_steps(1, max, 100) == expected);  // 100^9 = 1e18 < 2^63 - 1 < 100^10
}

TEST_CASE("rung_steps refuses a first rung below 1 and an eta out of range", "[scheduling][rungs]") {
  CHECK_THROWS_AS(rung_steps(0, 27, 3), std::invalid_argument);
  CHECK_THROWS_AS(rung_steps(1, 27, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(rung_steps(1, 27, std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(rung_steps(1, 27, 101), std::invalid_argument);
}
