// Resume by replay: a scheduler rebuilt from the recorded calls answers a further event stream
// exactly as the one that lived through them. A scheduler that skipped the history answers
// differently, which shows the history matters to the decisions compared.
#include <algorithm>
#include <random>

#include "scheduling_test_support.hpp"

using namespace quante::tuner::scheduling;
using namespace quante::tuner::scheduling::test;

namespace {

struct Event {
  enum class Kind { Add, Report, Complete } kind;
  std::string trial;
  std::uint64_t ordinal = 0;
  std::int64_t step = 0;
  std::optional<double> loss;
};

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// 80 trials, each reporting at increasing steps (with repeats, a step going down, and an occasional
// NaN), then completing or failing; trials start over time and their events interleave.
std::vector<Event> simulated_history(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<Event>> per_trial;
  for (std::uint64_t i = 0; i < 80; ++i) {
    const std::string trial = "trial-" + std::to_string(i);
    const double quality = 0.5 + uniform01(rng);
    std::vector<Event> events{{Event::Kind::Add, trial, i, 0, std::nullopt}};
    std::int64_t step = 0;
    while (step < 27) {
      step += 1 + static_cast<std::int64_t>(uniform01(rng) * 3);
      const double u = uniform01(rng);
      double loss = quality * (1 + 5.0 / static_cast<double>(step)) + 0.3 * uniform01(rng);
      if (u < 0.03) loss = std::nan("");
      events.push_back({Event::Kind::Report, trial, 0, step, loss});
      if (u > 0.9) events.push_back({Event::Kind::Report, trial, 0, step, loss * 0.5});      // a repeat
      if (u > 0.95) events.push_back({Event::Kind::Report, trial, 0, step - 1, loss * 0.5});  // going down
    }
    const bool failed = uniform01(rng) < 0.1;
    events.push_back({Event::Kind::Complete, trial, 0, step, failed ? std::nullopt : std::optional<double>(quality)});
    per_trial.push_back(std::move(events));
  }
  std::vector<Event> history;
  std::vector<std::size_t> next(per_trial.size(), 0), open;
  std::size_t started = 0;
  while (started < per_trial.size() || !open.empty()) {
    if (started < per_trial.size() && (open.empty() || uniform01(rng) < 0.15)) {
      open.push_back(started++);
      continue;
    }
    const std::size_t pick = static_cast<std::size_t>(uniform01(rng) * static_cast<double>(open.size()));
    const std::size_t t = open[pick];
    history.push_back(per_trial[t][next[t]++]);
    if (next[t] == per_trial[t].size()) open.erase(open.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  return history;
}

// Feeds events; returns the decisions of the reports and the rungs of the adds, in order.
std::vector<Decision> feed(Scheduler& scheduler, const std::vector<Event>& events,
                           std::vector<std::vector<std::int64_t>>* rungs = nullptr) {
  std::vector<Decision> decisions;
  for (const Event& e : events) {
    switch (e.kind) {
      case Event::Kind::Add: {
        auto r = scheduler.on_trial_add(e.trial, e.ordinal);
        if (rungs) rungs->push_back(std::move(r));
        break;
      }
      case Event::Kind::Report: decisions.push_back(scheduler.on_trial_report(e.trial, e.step, *e.loss)); break;
      case Event::Kind::Complete: scheduler.on_trial_complete(e.trial, e.step, e.loss); break;
    }
  }
  return decisions;
}

}  // namespace

TEST_CASE("Replaying the recorded calls rebuilds a scheduler that decides the same", "[scheduling][replay]") {
  const auto kind = GENERATE(SchedulerKind::Asha, SchedulerKind::Hyperband, SchedulerKind::Median, SchedulerKind::None);
  INFO("scheduler " << to_string(kind));
  const auto settings = fidelity(kind, 1, 27, 3);
  const std::uint64_t seed = 31337;
  const auto history = simulated_history(4242);
  const auto cut = history.begin() + static_cast<std::ptrdiff_t>(history.size() * 6 / 10);
  const std::vector<Event> before(history.begin(), cut), after(cut, history.end());

  auto lived = make_scheduler(settings, seed);
  auto resumed = make_scheduler(settings, seed);
  std::vector<std::vector<std::int64_t>> lived_rungs, resumed_rungs;
  const auto lived_before = feed(*lived, before, &lived_rungs);
  const auto resumed_before = feed(*resumed, before, &resumed_rungs);
  CHECK(resumed_before == lived_before);

  const auto lived_after = feed(*lived, after, &lived_rungs);
  const auto resumed_after = feed(*resumed, after, &resumed_rungs);
  CHECK(resumed_after == lived_after);
  CHECK(resumed_rungs == lived_rungs);
  for (int i = 0; i < 80; ++i) {
    const std::string trial = "trial-" + std::to_string(i);
    CHECK(resumed->rungs_of(trial) == lived->rungs_of(trial));
  }

  if (kind != SchedulerKind::None) {
    CHECK(std::count(lived_before.begin(), lived_before.end(), S) > 0);
    auto amnesiac = make_scheduler(settings, seed);  // sees only the adds of the history, then the rest
    std::vector<Event> adds;
    for (const Event& e : before)
      if (e.kind == Event::Kind::Add) adds.push_back(e);
    feed(*amnesiac, adds);
    CHECK(feed(*amnesiac, after) != lived_after);
  }
}

TEST_CASE("keep_going undoes a Stop in every rule: the trial is judged again at its next rung", "[scheduling]") {
  for (auto kind : {SchedulerKind::Asha, SchedulerKind::Hyperband, SchedulerKind::Median}) {
    SECTION(std::string(to_string(kind))) {
      // min_trials_at_rung 1 for ASHA and Hyperband: a worse second trial is stopped at once.
      auto s = make_scheduler(fidelity(kind, 1, 27, 3, kind == SchedulerKind::Median ? 0 : 1), 7);
      // Every trial in Hyperband's first bracket (rungs from 1): find ids that got rung 1.
      std::vector<std::string> ids;
      for (std::uint64_t i = 0; ids.size() < 5 && i < 200; ++i) {
        const std::string id = "t" + std::to_string(i);
        const auto rungs = s->on_trial_add(id, i);
        if (!rungs.empty() && rungs.front() == 1) ids.push_back(id);
      }
      REQUIRE(ids.size() == 5);
      // Four improving ones first (each goes on: the median rule needs three others at the step,
      // and each is the best so far), then a loser.
      for (std::size_t k = 0; k < 4; ++k) REQUIRE(s->on_trial_report(ids[k], 1, 0.1 * static_cast<double>(4 - k)) == C);
      const std::string& loser = ids[4];
      REQUIRE(s->on_trial_report(loser, 1, 5.0) == S);
      REQUIRE(s->on_trial_report(loser, 2, 0.01) == S);  // a Stop is final...
      s->keep_going(loser);                              // ...unless the tuner overrides it
      CHECK(s->on_trial_report(loser, 3, 0.01) == C);     // the best at rung 3 (or alone there)
    }
  }
}
