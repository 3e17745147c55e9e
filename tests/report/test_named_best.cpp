// name_best_record (tuner/named_best.hpp), the rule that the run's summary and the report share:
// no lowest record, nothing named; noise-free losses keep the lowest loss (a GP is fitted, so its
// noise variance is given, but no posterior mean); losses with noise the GP infers are named by
// the posterior mean, which then picks another record than the luckiest one; a confirmed point
// overrides both, with its mean and how many evaluations it is over.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "named_best.hpp"
#include "tuner_state.hpp"

using namespace quante;
using namespace quante::tuner;

namespace {

Study one_dimensional_study() {
  Study s;
  s.name = "named";
  s.objective = "f";
  s.budget = 100;
  s.space = SearchSpace({{"x", ParamType::Float, 0, 1, false, {}}});
  return s;
}

// n evenly spaced points of (x - 0.3)^2, plus `noise` alternately added and taken away.
std::vector<EvaluationRecord> records(int n, double noise) {
  std::vector<EvaluationRecord> out;
  for (int i = 0; i < n; ++i) {
    EvaluationRecord r;
    r.index = i;
    r.job = "J" + std::to_string(i);
    const double x = (i + 0.5) / n;
    r.params = {{"x", x}};
    const double sign = i % 2 == 0 ? -1.0 : 1.0;
    r.loss = (x - 0.3) * (x - 0.3) + noise * sign;
    out.push_back(r);
  }
  return out;
}

}  // namespace

TEST_CASE("named best: nothing named without a lowest record", "[named_best]") {
  const Study study = one_dimensional_study();
  CHECK_FALSE(name_best_record(study, {}, std::nullopt));
}

TEST_CASE("named best: noise-free losses keep the lowest loss", "[named_best]") {
  const Study study = one_dimensional_study();
  const auto evaluations = records(12, 0.0);
  const auto lowest = best_record(study, evaluations);
  REQUIRE(lowest);
  const auto named = name_best_record(study, evaluations, lowest);
  REQUIRE(named);
  CHECK(named->record.job == lowest->job);
  CHECK_FALSE(named->posterior_mean);
  CHECK(named->noise_variance);  // a GP was fitted
  CHECK_FALSE(named->confirmed);
}

TEST_CASE("named best: under noise the posterior mean names another record than the luckiest",
          "[named_best]") {
  const Study study = one_dimensional_study();
  auto evaluations = records(30, 0.03);
  // One lucky draw far from the minimum at x = 0.3: the lowest loss, which the model smooths away.
  evaluations[24].loss = *evaluations[24].loss - 0.35;
  const auto lowest = best_record(study, evaluations);
  REQUIRE(lowest);
  const auto named = name_best_record(study, evaluations, lowest);
  REQUIRE(named);
  REQUIRE(named->posterior_mean);
  REQUIRE(named->noise_variance);
  CHECK(*named->noise_variance > 0.0);
  CHECK(std::isfinite(*named->posterior_mean));
  CHECK(lowest->job == "J24");
  CHECK(named->record.job != "J24");
  // The named point is near the true minimum.
  CHECK(std::abs(std::get<double>(named->record.params.at("x")) - 0.3) < 0.15);
}

TEST_CASE("named best: a confirmed point overrides the lowest loss and the posterior mean", "[named_best]") {
  Study study = one_dimensional_study();
  study.stop.confirm = 2;
  auto evaluations = records(12, 0.0);
  const auto lowest = best_record(study, evaluations);
  REQUIRE(lowest);
  // Re-evaluations: the lowest point comes back worse, the runner-up confirms its loss.
  std::vector<EvaluationRecord> sorted = evaluations;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return *a.loss < *b.loss; });
  EvaluationRecord again_first = sorted[0];
  again_first.index = 12;
  again_first.job = "C0";
  again_first.confirms = sorted[0].job;
  again_first.loss = *sorted[0].loss + 1.0;
  EvaluationRecord again_second = sorted[1];
  again_second.index = 13;
  again_second.job = "C1";
  again_second.confirms = sorted[1].job;
  evaluations.push_back(again_first);
  evaluations.push_back(again_second);

  const auto named = name_best_record(study, evaluations, lowest);
  REQUIRE(named);
  REQUIRE(named->confirmed);
  CHECK(named->record.job == sorted[1].job);
  CHECK(named->confirmed->evaluations == 2);
  CHECK(named->confirmed->mean == Approx(*sorted[1].loss));
  CHECK_FALSE(named->posterior_mean);
}
