// The [fidelity] settings: scheduler names both ways, validate()'s messages (each names its key),
// the default minimum sample per rung, and make_scheduler's choice and refusal of bad settings.
#include <cmath>
#include <limits>
#include <vector>

#include "rungs.hpp"
#include "scheduling_test_support.hpp"

using namespace quante::tuner::scheduling;
using namespace quante::tuner::scheduling::test;

TEST_CASE("parse_scheduler_kind reads the four lower-case names and to_string writes them back", "[scheduling]") {
  CHECK(parse_scheduler_kind("asha") == SchedulerKind::Asha);
  CHECK(parse_scheduler_kind("hyperband") == SchedulerKind::Hyperband);
  CHECK(parse_scheduler_kind("median") == SchedulerKind::Median);
  CHECK(parse_scheduler_kind("none") == SchedulerKind::None);
  for (auto kind : {SchedulerKind::None, SchedulerKind::Asha, SchedulerKind::Hyperband, SchedulerKind::Median})
    CHECK(parse_scheduler_kind(to_string(kind)) == kind);
  CHECK(std::string(to_string(SchedulerKind::Hyperband)) == "hyperband");
  for (const char* bad : {"", "ASHA", "Asha", "asha ", "median_stopping", "hyper"})
    CHECK_FALSE(parse_scheduler_kind(bad).has_value());
}

TEST_CASE("validate accepts the defaults and the edges of each range", "[scheduling]") {
  CHECK_FALSE(validate(FidelitySettings{}).has_value());
  auto s = fidelity(SchedulerKind::Asha, 1, 27, 1.01);
  CHECK_FALSE(validate(s).has_value());
  s.eta = 100;
  CHECK_FALSE(validate(s).has_value());
  s.budget_steps = 27;
  CHECK_FALSE(validate(s).has_value());
  s.step_min = 27;
  CHECK_FALSE(validate(s).has_value());
}

TEST_CASE("validate names the offending key", "[scheduling]") {
  auto s = fidelity(SchedulerKind::Asha, 1, 27, 3);
  SECTION("step_min") {
    s.step_min = 0;
    CHECK(validate(s).value_or("valid") == "fidelity.step_min must be at least 1, not 0");
  }
  SECTION("step_max") {
    s.step_min = 10;
    s.step_max = 5;
    CHECK(validate(s).value_or("valid") == "fidelity.step_max must be at least step_min (10), not 5");
  }
  SECTION("eta") {
    for (double eta : {1.0, 1.005, 0.5, -3.0, 100.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
      s.eta = eta;
      const auto problem = validate(s);
      REQUIRE(problem.has_value());
      CHECK(problem->rfind("fidelity.eta must be between 1.01 and 100, not ", 0) == 0);
    }
  }
  SECTION("budget_steps") {
    s.budget_steps = 26;
    CHECK(validate(s).value_or("valid") == "fidelity.budget_steps must be at least step_max (27), not 26");
  }
  SECTION("min_trials_at_rung") {
    s.min_trials_at_rung = -1;
    CHECK(validate(s).value_or("valid") == "fidelity.min_trials_at_rung must be 0 (the default) or more, not -1");
  }
}

TEST_CASE("min_trials_at_rung 0 means max(2, min(3, ceil(eta))) for ASHA and Hyperband and 3 for the median rule",
          "[scheduling]") {
  CHECK(effective_min_trials_at_rung(fidelity(SchedulerKind::Asha, 1, 27, 3)) == 3);
  CHECK(effective_min_trials_at_rung(fidelity(SchedulerKind::Asha, 1, 27, 2)) == 2);
  CHECK(effective_min_trials_at_rung(fidelity(SchedulerKind::Asha, 1, 27, 1.5)) == 2);
  CHECK(effective_min_trials_at_rung(fidelity(SchedulerKind::Hyperband, 1, 27, 3.5)) == 3);
  CHECK(effective_min_trials_at_rung(fidelity(SchedulerKind::Asha, 1, 27, 5)) == 3);
  FidelitySettings unset;  // eta left out: ASHA's default 5, so 3
  CHECK(effective_min_trials_at_rung(unset) == 3);
  CHECK(effective_min_trials_at_rung(fidelity(SchedulerKind::Median, 1, 27, 4)) == 3);
  CHECK(effective_min_trials_at_rung(fidelity(SchedulerKind::Asha, 1, 27, 3, 7)) == 7);
  CHECK(effective_min_trials_at_rung(fidelity(SchedulerKind::Median, 1, 27, 3, 1)) == 1);
}

TEST_CASE("eta left out is 5 with ASHA and 3 with Hyperband and the median rule", "[scheduling]") {
  FidelitySettings s;
  s.step_max = 27;
  CHECK(effective_eta(s) == 5.0);
  CHECK(rung_steps(s.step_min, s.step_max, effective_eta(s)) == std::vector<std::int64_t>{1, 5, 25});
  s.scheduler = SchedulerKind::Hyperband;
  CHECK(effective_eta(s) == 3.0);
  s.scheduler = SchedulerKind::Median;
  CHECK(effective_eta(s) == 3.0);
  s.scheduler = SchedulerKind::Asha;
  s.eta = 3;  // a study's own eta wins
  CHECK(effective_eta(s) == 3.0);
}

TEST_CASE("make_scheduler builds the chosen rule and refuses invalid settings", "[scheduling]") {
  auto asha = make_scheduler(fidelity(SchedulerKind::Asha, 1, 27, 3), 1);
  CHECK(asha->on_trial_add("a", 0) == std::vector<std::int64_t>{1, 3, 9});
  auto median = make_scheduler(fidelity(SchedulerKind::Median, 1, 27, 3), 1);
  CHECK(median->on_trial_add("a", 0) == std::vector<std::int64_t>{1, 3, 9});

  auto none = make_scheduler(fidelity(SchedulerKind::None, 1, 27, 3), 1);
  CHECK(none->on_trial_add("a", 0).empty());
  CHECK(none->rungs_of("a").empty());
  CHECK(none->on_trial_report("a", 1, std::nan("")) == C);
  CHECK(none->on_trial_report("a", 3, 1e300) == C);

  auto bad = fidelity(SchedulerKind::Asha, 1, 27, 1.0);
  CHECK_THROWS_WITH(make_scheduler(bad, 1), Catch::Contains("fidelity.eta"));
  bad = fidelity(SchedulerKind::None, 0, 27, 3);
  CHECK_THROWS_AS(make_scheduler(bad, 1), std::invalid_argument);
}
