// Asynchronous Hyperband: the brackets and their rungs, the bracket probabilities against their
// closed forms, bracket frequencies over 30,000 ordinals against those probabilities, the bracket
// as a function of (seed, ordinal) only, and brackets as independent ASHAs.
#include <cmath>
#include <map>

#include "hyperband.hpp"
#include "rungs.hpp"
#include "scheduling_test_support.hpp"

using namespace quante::tuner::scheduling;
using namespace quante::tuner::scheduling::test;
using Steps = std::vector<std::int64_t>;

TEST_CASE("Hyperband: bracket s stops at the ASHA rungs from r_s on and the last bracket never stops",
          "[scheduling][hyperband]") {
  HyperbandScheduler hb(fidelity(SchedulerKind::Hyperband, 1, 27, 3), 7);
  REQUIRE(hb.bracket_probabilities().size() == 4);  // s_max = 3 = log_3(27)
  const std::vector<Steps> bracket_rungs{{1, 3, 9}, {3, 9}, {9}, {}};
  std::map<std::size_t, int> seen;
  for (std::uint64_t ordinal = 0; ordinal < 200; ++ordinal) {
    const std::string trial = "t" + std::to_string(ordinal);
    const Steps rungs = hb.on_trial_add(trial, ordinal);
    const auto bracket = hb.bracket_of(trial);
    REQUIRE(bracket.has_value());
    CHECK(rungs == bracket_rungs.at(*bracket));
    CHECK(hb.rungs_of(trial) == rungs);
    ++seen[*bracket];
  }
  CHECK(seen.size() == 4);  // 200 draws hit every bracket (the rarest has p = 1 / 12.25)
  CHECK_FALSE(hb.bracket_of("unknown").has_value());

  // A trial in the last bracket is never stopped, however bad its losses.
  for (std::uint64_t ordinal = 0; ordinal < 200; ++ordinal) {
    const std::string trial = "t" + std::to_string(ordinal);
    if (hb.bracket_of(trial) != 3u) continue;
    for (std::int64_t step : {1, 3, 9, 26}) CHECK(hb.on_trial_report(trial, step, 1e9) == C);
  }
}

TEST_CASE("Hyperband: bracket probabilities against their closed forms", "[scheduling][hyperband]") {
  SECTION("step_max = step_min * eta^s_max: p_s = eta^(s_max - s) / (s_max - s + 1), normalised") {
    // eta 3, s_max 3: 27/4, 9/3, 3/2, 1/1 = 6.75, 3, 1.5, 1; total 12.25.
    const auto p = hyperband_bracket_probabilities(rung_steps(1, 27, 3), 27);
    const std::vector<double> expected{6.75 / 12.25, 3 / 12.25, 1.5 / 12.25, 1 / 12.25};
    REQUIRE(p.size() == expected.size());
    for (std::size_t s = 0; s < p.size(); ++s) CHECK(p[s] == Approx(expected[s]).epsilon(1e-14));
  }
  SECTION("step_max not a power: the no-stopping bracket weighs by step_max itself") {
    // Rungs 1, 3, 9, 27 below 52, s_max 4: p_s ∝ 1 / ((5 - s) f_s), f = 1, 3, 9, 27, 52.
    const auto p = hyperband_bracket_probabilities(rung_steps(1, 52, 3), 52);
    const std::vector<double> w{1.0 / 5, 1.0 / 12, 1.0 / 27, 1.0 / 54, 1.0 / 52};
    const double total = w[0] + w[1] + w[2] + w[3] + w[4];
    REQUIRE(p.size() == w.size());
    for (std::size_t s = 0; s < p.size(); ++s) CHECK(p[s] == Approx(w[s] / total).epsilon(1e-14));
  }
  SECTION("no rungs below step_max: one bracket, probability 1") {
    CHECK(hyperband_bracket_probabilities(rung_steps(27, 27, 3), 27) == std::vector<double>{1.0});
    CHECK(draw_hyperband_bracket({1.0}, 3, 12345) == 0);
  }
  CHECK_THROWS_AS(draw_hyperband_bracket({}, 1, 0), std::invalid_argument);
}

TEST_CASE("Hyperband: bracket frequencies over 30000 ordinals match the probabilities", "[scheduling][hyperband]") {
  // Each count is Binomial(N, p_s): allow 5 standard deviations, sqrt(N p (1 - p)).
  const std::uint64_t n = 30000;
  const std::vector<double> p{6.75 / 12.25, 3 / 12.25, 1.5 / 12.25, 1 / 12.25};
  for (std::uint64_t seed : {0ull, 20240601ull}) {
    HyperbandScheduler hb(fidelity(SchedulerKind::Hyperband, 1, 27, 3), seed);
    std::vector<double> count(p.size(), 0);
    for (std::uint64_t ordinal = 0; ordinal < n; ++ordinal)
      count[3 - hb.on_trial_add(std::to_string(ordinal), ordinal).size()] += 1;  // bracket = s_max - #rungs
    for (std::size_t s = 0; s < p.size(); ++s) {
      const double mean = static_cast<double>(n) * p[s];
      const double sd = std::sqrt(static_cast<double>(n) * p[s] * (1 - p[s]));
      INFO("seed " << seed << " bracket " << s << ": " << count[s] << " draws, expected " << mean << " +- " << sd);
      CHECK(std::abs(count[s] - mean) < 5 * sd);
    }
  }
}

TEST_CASE("Hyperband: the bracket depends on the seed and the ordinal only", "[scheduling][hyperband]") {
  const auto settings = fidelity(SchedulerKind::Hyperband, 1, 27, 3);
  HyperbandScheduler forward(settings, 99), backward(settings, 99), other_seed(settings, 100);
  for (std::uint64_t ordinal = 0; ordinal < 300; ++ordinal)
    forward.on_trial_add("f" + std::to_string(ordinal), ordinal);
  for (std::uint64_t ordinal = 300; ordinal-- > 0;) backward.on_trial_add("b" + std::to_string(ordinal), ordinal);
  int differ = 0;
  for (std::uint64_t ordinal = 0; ordinal < 300; ++ordinal) {
    other_seed.on_trial_add("o" + std::to_string(ordinal), ordinal);
    const auto f = forward.bracket_of("f" + std::to_string(ordinal));
    CHECK(f == backward.bracket_of("b" + std::to_string(ordinal)));
    CHECK(f == draw_hyperband_bracket(forward.bracket_probabilities(), 99, ordinal));
    if (f != other_seed.bracket_of("o" + std::to_string(ordinal))) ++differ;
  }
  CHECK(differ > 100);  // another seed is another sequence (same bracket by chance about 38% of the time)

  // A second add of a known id keeps its first bracket, whatever ordinal it comes with.
  const auto first = forward.bracket_of("f0");
  for (std::uint64_t ordinal = 1; ordinal < 50; ++ordinal) forward.on_trial_add("f0", ordinal);
  CHECK(forward.bracket_of("f0") == first);

  // Pinned draws (seed 2024, ordinals 0..23) written by this implementation: a change here changes
  // the brackets of every history already written, and their resume by replay.
  const std::vector<std::size_t> pinned{1, 0, 1, 3, 0, 3, 0, 1, 0, 1, 0, 3, 0, 1, 2, 2, 0, 0, 0, 3, 0, 0, 0, 2};
  const auto p = hyperband_bracket_probabilities(rung_steps(1, 27, 3), 27);
  std::vector<std::size_t> drawn;
  for (std::uint64_t ordinal = 0; ordinal < pinned.size(); ++ordinal)
    drawn.push_back(draw_hyperband_bracket(p, 2024, ordinal));
  CHECK(drawn == pinned);
}

TEST_CASE("Hyperband: each bracket is an independent ASHA", "[scheduling][hyperband]") {
  // min_trials_at_rung 2, eta 3. Brackets 0 and 2 both have rung 9. In bracket 2, x1 (1.0) then
  // x2 (5.0) arrive at rung 9: x2 stops. y in bracket 0 then arrives at rung 9 with 3.0: alone in
  // its bracket's rung 9 it continues; a shared rung 9 (1, 3, 5: quota 1, one better) would stop it.
  const auto settings = fidelity(SchedulerKind::Hyperband, 1, 27, 3, 2);
  HyperbandScheduler hb(settings, 5);
  std::vector<std::uint64_t> in_bracket[4];
  for (std::uint64_t ordinal = 0; ordinal < 200; ++ordinal)
    in_bracket[draw_hyperband_bracket(hb.bracket_probabilities(), 5, ordinal)].push_back(ordinal);
  REQUIRE(in_bracket[0].size() >= 1);
  REQUIRE(in_bracket[2].size() >= 2);
  CHECK(hb.on_trial_add("x1", in_bracket[2][0]) == Steps{9});
  CHECK(hb.on_trial_add("x2", in_bracket[2][1]) == Steps{9});
  CHECK(hb.on_trial_add("y", in_bracket[0][0]) == Steps{1, 3, 9});
  CHECK(hb.on_trial_report("x1", 1, 9.0) == C);  // below its first rung: no decision
  CHECK(hb.on_trial_report("x1", 9, 1.0) == C);
  CHECK(hb.on_trial_report("x2", 9, 5.0) == S);
  CHECK(hb.on_trial_report("y", 1, 3.0) == C);
  CHECK(hb.on_trial_report("y", 3, 3.0) == C);
  CHECK(hb.on_trial_report("y", 9, 3.0) == C);
  CHECK(hb.rung_losses(2, 9) == std::vector<double>{1.0, 5.0});
  CHECK(hb.rung_losses(0, 9) == std::vector<double>{3.0});
  CHECK(hb.rung_losses(2, 1).empty());
}
