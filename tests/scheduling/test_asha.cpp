// ASHA (stopping variant) on hand-worked sequences: the 9-trial table, the minimum sample per
// rung, ties, repeated and decreasing steps, NaN and infinite losses, and the bookkeeping rules
// (Stop is final, unknown trials, duplicate adds, completion).
#include <cmath>
#include <limits>

#include "asha.hpp"
#include "scheduling_test_support.hpp"

using namespace quante::tuner::scheduling;
using namespace quante::tuner::scheduling::test;
using Losses = std::vector<double>;

namespace {

const double kInf = std::numeric_limits<double>::infinity();

struct Report {
  const char* trial;
  std::int64_t step;
  double loss;
  Decision expected;
};

}  // namespace

TEST_CASE("ASHA decides a hand-worked sequence of 9 trials", "[scheduling][asha]") {
  // step_min 1, step_max 27, eta 3: rungs 1, 3, 9; at least 3 losses at a rung before anyone stops.
  // A trial continues iff fewer than quota = floor(n / 3) recorded losses are strictly better.
  //
  //  #  trial step loss  losses at that rung after recording    n quota better  decision
  //  1  t0    1    5.0   1: 5                                  1   -     -     Continue (n < 3)
  //  2  t1    1    4.0   1: 4 5                                2   -     -     Continue (n < 3)
  //  3  t2    1    6.0   1: 4 5 6                              3   1     2     Stop
  //  4  t0    3    3.0   3: 3                                  1   -     -     Continue (n < 3)
  //  5  t3    1    3.0   1: 3 4 5 6                            4   1     0     Continue
  //  6  t1    3    3.5   3: 3 3.5                              2   -     -     Continue (n < 3)
  //  7  t4    1    4.5   1: 3 4 4.5 5 6                        5   1     2     Stop
  //  8  t3    3    2.5   3: 2.5 3 3.5                          3   1     0     Continue
  //  9  t5    1    2.0   1: 2 3 4 4.5 5 6                      6   2     0     Continue
  // 10  t0    9    2.0   9: 2                                  1   -     -     Continue (n < 3)
  // 11  t6    1    3.0   1: 2 3 3 4 4.5 5 6                    7   2     1     Continue (tie with t3)
  // 12  t5    3    2.8   3: 2.5 2.8 3 3.5                      4   1     1     Stop
  // 13  t7    1    3.5   1: 2 3 3 3.5 4 4.5 5 6                8   2     3     Stop
  // 14  t6    3    2.5   3: 2.5 2.5 2.8 3 3.5                  5   1     0     Continue (tie with t3)
  // 15  t8    1    1.0   1: 1 2 3 3 3.5 4 4.5 5 6              9   3     0     Continue
  // 16  t3    9    1.5   9: 1.5 2                              2   -     -     Continue (n < 3)
  // 17  t8    3    2.6   3: 2.5 2.5 2.6 2.8 3 3.5              6   2     2     Stop
  // 18  t6    9    1.8   9: 1.5 1.8 2                          3   1     1     Stop
  // 19  t1    9    1.0   9: 1 1.5 1.8 2                        4   1     0     Continue
  const std::vector<Report> sequence{
      {"t0", 1, 5.0, C}, {"t1", 1, 4.0, C}, {"t2", 1, 6.0, S}, {"t0", 3, 3.0, C}, {"t3", 1, 3.0, C},
      {"t1", 3, 3.5, C}, {"t4", 1, 4.5, S}, {"t3", 3, 2.5, C}, {"t5", 1, 2.0, C}, {"t0", 9, 2.0, C},
      {"t6", 1, 3.0, C}, {"t5", 3, 2.8, S}, {"t7", 1, 3.5, S}, {"t6", 3, 2.5, C}, {"t8", 1, 1.0, C},
      {"t3", 9, 1.5, C}, {"t8", 3, 2.6, S}, {"t6", 9, 1.8, S}, {"t1", 9, 1.0, C},
  };
  AshaScheduler asha(fidelity(SchedulerKind::Asha, 1, 27, 3));
  for (int i = 0; i < 9; ++i)
    CHECK(asha.on_trial_add("t" + std::to_string(i), static_cast<std::uint64_t>(i)) ==
          std::vector<std::int64_t>{1, 3, 9});
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const Report& r = sequence[i];
    INFO("event " << i + 1 << ": " << r.trial << " at step " << r.step << " loss " << r.loss);
    CHECK(asha.on_trial_report(r.trial, r.step, r.loss) == r.expected);
  }
  CHECK(asha.rung_losses(1) == Losses{1, 2, 3, 3, 3.5, 4, 4.5, 5, 6});
  CHECK(asha.rung_losses(3) == Losses{2.5, 2.5, 2.6, 2.8, 3, 3.5});
  CHECK(asha.rung_losses(9) == Losses{1, 1.5, 1.8, 2});

  // A stopped trial stays stopped, and its later reports are not recorded anywhere.
  CHECK(asha.on_trial_report("t2", 3, 0.1) == S);
  CHECK(asha.rung_losses(3).size() == 6);
  // A final loss is not a rung loss: completing t0 at step_max records nothing.
  asha.on_trial_complete("t0", 27, 0.5);
  CHECK(asha.rung_losses(9).size() == 4);
}

TEST_CASE("ASHA: every trial continues while a rung holds fewer than min_trials_at_rung losses",
          "[scheduling][asha]") {
  SECTION("min_trials_at_rung = 5: the four worst-so-far arrivals continue, the fifth is judged") {
    AshaScheduler asha(fidelity(SchedulerKind::Asha, 1, 27, 3, 5));
    const std::vector<double> losses{1, 2, 3, 4, 5};
    for (std::size_t i = 0; i < losses.size(); ++i) {
      const std::string trial = "t" + std::to_string(i);
      asha.on_trial_add(trial, i);
      CHECK(asha.on_trial_report(trial, 1, losses[i]) == (i < 4 ? C : S));  // n = 5: quota 1, 4 better
    }
  }
  SECTION("default with eta 2 is 2: the second arrival is already judged") {
    AshaScheduler asha(fidelity(SchedulerKind::Asha, 1, 16, 2));
    asha.on_trial_add("a", 0);
    asha.on_trial_add("b", 1);
    CHECK(asha.on_trial_report("a", 1, 1.0) == C);
    CHECK(asha.on_trial_report("b", 1, 2.0) == S);
  }
  SECTION("min_trials_at_rung = 1 below eta: the best at a rung still continues") {
    AshaScheduler asha(fidelity(SchedulerKind::Asha, 1, 27, 3, 1));
    for (int i = 0; i < 3; ++i) asha.on_trial_add("t" + std::to_string(i), static_cast<std::uint64_t>(i));
    CHECK(asha.on_trial_report("t0", 1, 5.0) == C);  // n = 1, floor(1/3) = 0 but quota is at least 1
    CHECK(asha.on_trial_report("t1", 1, 6.0) == S);  // n = 2, 1 better
    CHECK(asha.on_trial_report("t2", 1, 4.0) == C);  // n = 3, 0 better
  }
}

TEST_CASE("ASHA: ties continue", "[scheduling][asha]") {
  AshaScheduler asha(fidelity(SchedulerKind::Asha, 1, 27, 3));
  for (int i = 0; i < 9; ++i) {
    const std::string trial = "t" + std::to_string(i);
    asha.on_trial_add(trial, static_cast<std::uint64_t>(i));
    CHECK(asha.on_trial_report(trial, 1, 0.25) == C);
  }
  asha.on_trial_add("worse", 9);
  CHECK(asha.on_trial_report("worse", 1, 0.2500001) == S);  // n = 10: quota 3, 9 better
}

TEST_CASE("ASHA: repeated and decreasing steps are ignored and a late first report reaches the highest rung",
          "[scheduling][asha]") {
  AshaScheduler asha(fidelity(SchedulerKind::Asha, 1, 27, 3));
  asha.on_trial_add("a", 0);
  asha.on_trial_add("b", 1);
  CHECK(asha.on_trial_report("a", 1, 1.0) == C);
  CHECK(asha.on_trial_report("a", 1, 0.5) == C);  // same step: ignored
  CHECK(asha.rung_losses(1) == Losses{1.0});
  CHECK(asha.on_trial_report("a", 3, 2.0) == C);
  CHECK(asha.on_trial_report("a", 2, 0.1) == C);  // below the last step: ignored
  CHECK(asha.on_trial_report("a", 3, 0.1) == C);  // repeated: ignored
  CHECK(asha.rung_losses(1) == Losses{1.0});
  CHECK(asha.rung_losses(3) == Losses{2.0});
  CHECK(asha.on_trial_report("a", 4, 0.1) == C);  // accepted, but reaches no new rung
  CHECK(asha.rung_losses(3) == Losses{2.0});

  CHECK(asha.on_trial_report("b", 5, 1.5) == C);  // first report past rungs 1 and 3: recorded at 3 only
  CHECK(asha.rung_losses(1) == Losses{1.0});
  CHECK(asha.rung_losses(3) == Losses{1.5, 2.0});
  CHECK(asha.on_trial_report("b", 4, 1.0) == C);  // below step 5: ignored even though 4 > 3
  CHECK(asha.rung_losses(3) == Losses{1.5, 2.0});
  CHECK(asha.on_trial_report("b", 27, 1.0) == C);  // reaches rung 9 (the highest below 27)
  CHECK(asha.rung_losses(9) == Losses{1.0});
}

TEST_CASE("ASHA: NaN and infinite losses count as the worst loss", "[scheduling][asha]") {
  AshaScheduler asha(fidelity(SchedulerKind::Asha, 1, 16, 2));  // default min 2, quota floor(n / 2)
  for (const char* t : {"nan", "five", "minus_inf", "plus_inf"}) asha.on_trial_add(t, 0);
  CHECK(asha.on_trial_report("nan", 1, std::nan("")) == C);   // n = 1
  CHECK(asha.on_trial_report("five", 1, 5.0) == C);           // n = 2, quota 1: NaN is not better
  CHECK(asha.on_trial_report("minus_inf", 1, -kInf) == S);    // n = 3, quota 1: 5 is better
  CHECK(asha.on_trial_report("plus_inf", 1, kInf) == C);      // n = 4, quota 2: only 5 is better (infinities tie)
  CHECK(asha.rung_losses(1) == Losses{5.0, kInf, kInf, kInf});
  CHECK(asha.on_trial_report("nan", 2, 1.0) == C);            // a later finite loss is judged normally
}

TEST_CASE("ASHA: unknown trials and duplicate adds and completed or failed trials", "[scheduling][asha]") {
  AshaScheduler asha(fidelity(SchedulerKind::Asha, 1, 27, 3));
  CHECK(asha.on_trial_report("ghost", 1, 1.0) == C);
  CHECK(asha.rung_losses(1).empty());
  CHECK(asha.rungs_of("ghost").empty());

  CHECK(asha.on_trial_add("a", 0) == std::vector<std::int64_t>{1, 3, 9});
  CHECK(asha.on_trial_add("a", 5) == std::vector<std::int64_t>{1, 3, 9});
  CHECK(asha.rungs_of("a") == std::vector<std::int64_t>{1, 3, 9});

  asha.on_trial_add("failed", 1);
  CHECK(asha.on_trial_report("failed", 1, 2.0) == C);
  asha.on_trial_complete("failed", 2, std::nullopt);
  CHECK(asha.on_trial_report("failed", 3, 1.0) == C);  // ended: ignored
  CHECK(asha.rung_losses(3).empty());
  CHECK(asha.rung_losses(1) == Losses{2.0});            // what it reported before failing stays
}
