// JobReporter and StepRelay, driven directly: reports between rungs are answered at once, a
// rung report waits for the loop's answer (or the timeout, then goes on), an abandoned job hears
// "stop", steps that repeat or go down are passed over, and a long curve is thinned evenly.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <thread>

#include "job_reporter.hpp"
#include "step_relay.hpp"

using namespace quante;
using namespace quante::worker;
using namespace std::chrono_literals;

namespace {

StepReport at(std::int64_t step, double loss = 1.0) { return StepReport{step, loss, {}}; }

// Plays the worker's loop: answers each question it takes with `answer(step)`.
class FakeLoop {
 public:
  FakeLoop(StepRelay& relay, std::function<std::optional<bool>(std::int64_t)> answer)
      : thread_([this, &relay, answer] {
          while (!quit_) {
            if (auto q = relay.take_question()) {
              asked_.push_back(q->step);
              if (auto a = answer(q->step)) relay.answer(q->step, *a);
            }
            std::this_thread::sleep_for(1ms);
          }
        }) {}
  ~FakeLoop() {
    quit_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::int64_t> asked() {
    quit_ = true;
    if (thread_.joinable()) thread_.join();
    return asked_;
  }

 private:
  std::atomic<bool> quit_{false};
  std::vector<std::int64_t> asked_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("only rung reports ask the loop, and the tuner's stop ends the trial", "[step_reports]") {
  StepRelay relay(5s);
  JobReporter reporter(27, {1, 3, 9}, &relay);
  REQUIRE(reporter.max_steps() == 27);
  std::vector<std::int64_t> asked;
  {
    FakeLoop loop(relay, [](std::int64_t step) { return std::optional<bool>(step < 9); });
    for (std::int64_t step = 1; step <= 8; ++step) CHECK(reporter.report(at(step, 1.0 / static_cast<double>(step))));
    CHECK_FALSE(reporter.report(at(9, 0.1)));
    CHECK_FALSE(reporter.report(at(10, 0.1)));  // after a stop, every report hears stop
    asked = loop.asked();
  }
  CHECK(asked == std::vector<std::int64_t>{1, 3, 9});
  CHECK(reporter.stopped_at() == 9);
  const auto curve = reporter.curve();
  REQUIRE(curve.size() == 9);
  CHECK(curve.back() == std::pair<std::int64_t, double>{9, 0.1});
}

TEST_CASE("a report that skips past a rung is asked about it once", "[step_reports]") {
  StepRelay relay(5s);
  JobReporter reporter(100, {1, 3, 9, 27}, &relay);
  FakeLoop loop(relay, [](std::int64_t) { return std::optional<bool>(true); });
  CHECK(reporter.report(at(5)));    // past rungs 1 and 3: one question
  CHECK(reporter.report(at(20)));   // past 9
  CHECK(reporter.report(at(26)));
  CHECK(reporter.report(at(30)));   // past 27
  CHECK(loop.asked() == std::vector<std::int64_t>{5, 20, 30});
}

TEST_CASE("a decision that never comes counts as go on after the timeout", "[step_reports]") {
  StepRelay relay(100ms);
  JobReporter reporter(10, {2}, &relay);
  FakeLoop loop(relay, [](std::int64_t) { return std::nullopt; });  // the tuner is gone
  CHECK(reporter.report(at(1)));
  CHECK(reporter.report(at(2)));
  CHECK(reporter.stopped_at() == 0);
}

TEST_CASE("an abandoned job's waiting report hears stop at once", "[step_reports]") {
  StepRelay relay(60s);
  JobReporter reporter(10, {2}, &relay);
  std::thread canceller([&] {
    while (!relay.take_question()) std::this_thread::sleep_for(1ms);
    relay.abandon();
  });
  CHECK_FALSE(reporter.report(at(2)));
  canceller.join();
  relay.reset();
  JobReporter next(10, {2}, &relay);
  FakeLoop loop(relay, [](std::int64_t) { return std::optional<bool>(true); });
  CHECK(next.report(at(2)));  // a new job is not abandoned
}

TEST_CASE("a late answer for an earlier step is ignored", "[step_reports]") {
  StepRelay relay(200ms);
  JobReporter reporter(50, {3, 9}, &relay);
  FakeLoop loop(relay, [&](std::int64_t step) {
    if (step == 9) relay.answer(3, false);  // stale: for a report that no longer waits
    return std::nullopt;
  });
  CHECK(reporter.report(at(3)));
  CHECK(reporter.report(at(9)));  // timed out: go on; the stale stop did not count
  CHECK(reporter.stopped_at() == 0);
}

TEST_CASE("repeated or decreasing steps are passed over, NaN losses are kept", "[step_reports]") {
  JobReporter reporter(0, {}, nullptr);
  CHECK_FALSE(reporter.max_steps());
  CHECK(reporter.report(at(1, 0.9)));
  CHECK(reporter.report(at(1, 0.8)));
  CHECK(reporter.report(at(0, 0.7)));
  CHECK(reporter.report(at(2, std::nan(""))));
  const auto curve = reporter.curve();
  REQUIRE(curve.size() == 2);
  CHECK(curve[0].second == 0.9);
  CHECK(std::isnan(curve[1].second));
}

TEST_CASE("a report at max_steps ends the trial without counting as an early stop", "[step_reports]") {
  JobReporter reporter(5, {}, nullptr);
  for (int step = 1; step < 5; ++step) CHECK(reporter.report(at(step)));
  CHECK_FALSE(reporter.report(at(5)));
  CHECK(reporter.stopped_at() == 0);
}

TEST_CASE("a flood of reports keeps at most 1000 curve points, spread evenly, the last kept", "[step_reports]") {
  JobReporter reporter(0, {}, nullptr);
  for (std::int64_t step = 1; step <= 100000; ++step) reporter.report(at(step, 1.0 / static_cast<double>(step)));
  const auto curve = reporter.curve();
  CHECK(curve.size() <= protocol::kMaxCurvePoints);
  CHECK(curve.size() >= protocol::kMaxCurvePoints / 2);
  CHECK(curve.front().first == 1);
  CHECK(curve.back().first == 100000);
  // Evenly spread: gaps between kept steps differ by at most a factor of two.
  std::int64_t smallest = 1 << 30, largest = 0;
  for (std::size_t i = 1; i + 1 < curve.size(); ++i) {
    smallest = std::min(smallest, curve[i].first - curve[i - 1].first);
    largest = std::max(largest, curve[i].first - curve[i - 1].first);
  }
  CHECK(largest <= 2 * smallest);
  for (std::size_t i = 1; i < curve.size(); ++i) CHECK(curve[i].first > curve[i - 1].first);
}
