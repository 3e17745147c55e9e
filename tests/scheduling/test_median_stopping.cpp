// The median stopping rule against running averages computed by hand: best-so-far (not the
// current loss), running averages (not last values), strictly worse (ties continue), only trials
// that have reached the step count, the minimum number of other trials, ignored repeats, NaN.
#include <cmath>

#include "median_stopping.hpp"
#include "scheduling_test_support.hpp"

using namespace quante::tuner::scheduling;
using namespace quante::tuner::scheduling::test;

TEST_CASE("Median rule on hand-computed running averages", "[scheduling][median]") {
  // Rungs 1, 3, 9 (step_min 1, step_max 27, eta 3); a decision needs 3 other trials.
  MedianStoppingScheduler median(fidelity(SchedulerKind::Median, 1, 27, 3));
  for (const char* t : {"a", "b", "c", "d", "e", "f", "g", "h"})
    CHECK(median.on_trial_add(t, 0) == std::vector<std::int64_t>{1, 3, 9});

  // a: 4, 3, 2   b: 6, 5, 4   c: 2, 2, 2 at steps 1, 2, 3, interleaved. Nobody has 3 others at
  // or beyond its step when it decides, so all continue (b at 3 is the worst, but has 1 other).
  for (std::int64_t step : {1, 2, 3}) {
    CHECK(median.on_trial_report("a", step, 5.0 - static_cast<double>(step)) == C);
    CHECK(median.on_trial_report("b", step, 7.0 - static_cast<double>(step)) == C);
    CHECK(median.on_trial_report("c", step, 2.0) == C);
  }
  // Running averages up to 1: a 4, b 6, c 2; up to 3: a 3, b 5, c 2.
  CHECK(median.running_average("a", 1) == 4.0);
  CHECK(median.running_average("a", 3) == 3.0);
  CHECK(median.running_average("b", 2) == 5.5);
  CHECK(median.running_average("c", 3) == 2.0);

  // d at 1: 3.5 against median(4, 6, 2) = 4: continues.
  CHECK(median.on_trial_report("d", 1, 3.5) == C);
  CHECK(median.on_trial_report("d", 2, 3.0) == C);  // not a rung
  // d at 3: current loss 3.4, best so far 3.0; median(3, 5, 2) = 3. Not strictly worse: continues.
  // (The current loss, or a median of last values (2, 4, 2) = 2, would stop it.)
  CHECK(median.on_trial_report("d", 3, 3.4) == C);
  CHECK(median.running_average("d", 3) == Approx(9.9 / 3));

  // e at 1: 4.5 against median(4, 6, 2, 3.5) = 3.75: stops, and stays stopped.
  CHECK(median.on_trial_report("e", 1, 4.5) == S);
  CHECK(median.on_trial_report("e", 3, 0.1) == S);
  CHECK(median.running_average("e", 3) == 4.5);  // the ignored 0.1 is not in its history

  // f's first report is at 3 (reaching rung 3): others that reached 3 are a 3, b 5, c 2, d 3.3
  // (e stopped at 1 and does not count) -> median (3 + 3.3) / 2 = 3.15 < 3.2: stops. With e
  // (running average 4.5 by step 3) the median would be 3.3 and f would continue.
  CHECK(median.on_trial_report("f", 3, 3.2) == S);

  // g reports only at 9: nobody else has reached 9, so it continues.
  CHECK(median.on_trial_report("g", 9, 10.0) == C);
  CHECK_FALSE(median.running_average("g", 3).has_value());
  // h at 3: a 3, b 5, c 2, d 3.3, f 3.2 -> median 3.2 < 3.25: stops. g has reached 3 but has no
  // loss by step 3, so it is left out (with it the six values would give a median of 3.25).
  CHECK(median.on_trial_report("h", 3, 3.25) == S);

  // A finished trial's final loss joins its history; a failed trial adds nothing.
  median.on_trial_complete("a", 27, 1.0);
  CHECK(median.running_average("a", 27) == 2.5);  // (4 + 3 + 2 + 1) / 4
  median.on_trial_complete("c", 27, std::nullopt);
  CHECK(median.running_average("c", 27) == 2.0);
  CHECK_FALSE(median.running_average("unknown", 3).has_value());
}

TEST_CASE("Median rule: min_trials_at_rung counts the other trials", "[scheduling][median]") {
  MedianStoppingScheduler median(fidelity(SchedulerKind::Median, 1, 27, 3, 1));
  median.on_trial_add("a", 0);
  median.on_trial_add("b", 1);
  CHECK(median.on_trial_report("a", 1, 1.0) == C);  // no other trial
  CHECK(median.on_trial_report("b", 1, 2.0) == S);  // one other (a: 1.0), and 2 > 1
}

TEST_CASE("Median rule: repeated and decreasing steps are ignored and NaN is the worst loss", "[scheduling][median]") {
  MedianStoppingScheduler median(fidelity(SchedulerKind::Median, 1, 27, 3));
  for (const char* t : {"a", "b", "c", "d"}) median.on_trial_add(t, 0);
  CHECK(median.on_trial_report("a", 1, 2.0) == C);
  CHECK(median.on_trial_report("a", 1, 100.0) == C);  // repeated: ignored
  CHECK(median.on_trial_report("a", 2, 4.0) == C);
  CHECK(median.on_trial_report("a", 1, 100.0) == C);  // decreasing: ignored
  CHECK(median.running_average("a", 1) == 2.0);
  CHECK(median.running_average("a", 2) == 3.0);

  CHECK(median.on_trial_report("b", 1, std::nan("")) == C);
  CHECK(median.on_trial_report("c", 1, 5.0) == C);
  CHECK(std::isinf(*median.running_average("b", 1)));
  // d at 1: others a 2, b inf, c 5 -> median 5; d's NaN is +inf > 5: stops.
  CHECK(median.on_trial_report("d", 1, std::nan("")) == S);
}
