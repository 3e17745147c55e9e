// TunerState driven by hand-made events and a fake time: budget, retries, de-duplication, resume
// with jobs in flight, each stopping rule, sync and async batching, at most one outstanding
// proposal, journal before submit, record before ack, and re-submission after a broker restart.
#include <catch2/catch.hpp>

#include <algorithm>
#include <tuple>
#include <string>

#include "confirmation.hpp"
#include "fidelity_model_view.hpp"
#include "tuner_state.hpp"

using namespace quante;
using namespace quante::tuner;

namespace {

Study make_study(int budget, int batch, int queue_ahead = 0, ProposalMode mode = ProposalMode::Async, int retries = 0) {
  Study s;
  s.name = "state";
  s.objective = "f";
  s.budget = budget;
  s.batch = batch;
  s.queue_ahead = queue_ahead;
  s.mode = mode;
  s.retries = retries;
  s.initial = 2;
  s.space = SearchSpace({{"x", ParamType::Float, 0, 100, false, {}}});
  return s;
}

Params point(double x) { return {{"x", x}}; }

// A state with job ids J1, J2, ... and a fake clock the test moves by hand.
struct Harness {
  double now = 1000.0;
  int next_job = 0;
  double next_x = 0;
  TunerState state;
  Actions out;

  explicit Harness(Study study, StudyRecords records = {})
      : state(std::move(study), std::move(records), 1000.0, settings()) {}
  TunerStateSettings settings() {
    TunerStateSettings s;
    s.resubmit_after_s = 3;
    s.new_job_id = [this] { return "J" + std::to_string(++next_job); };
    return s;
  }

  template <class T>
  std::vector<T> taken() {
    std::vector<T> found;
    for (const auto& a : out)
      if (const auto* t = std::get_if<T>(&a)) found.push_back(*t);
    return found;
  }
  template <class T>
  int count() { return static_cast<int>(taken<T>().size()); }
  std::optional<action::RequestProposal> request() {
    auto r = taken<action::RequestProposal>();
    REQUIRE(r.size() <= 1);
    return r.empty() ? std::nullopt : std::optional(r.front());
  }
  std::optional<std::string> done() {
    auto d = taken<action::Done>();
    return d.empty() ? std::nullopt : std::optional(d.front().reason);
  }
  // Answers the outstanding request with fresh distinct points.
  void answer(const action::RequestProposal& r, std::string method = "qei", std::optional<double> qei = std::nullopt) {
    ProposalBatch b;
    b.method = std::move(method);
    b.qei = qei;
    for (int i = 0; i < r.count; ++i) b.points.push_back(point(next_x++));
    out.clear();
    state.on_proposal(r.id, b, now, out);
  }
  void start() {
    out.clear();
    state.start(now, out);
  }
  ResultKind result(const std::string& job, std::optional<double> loss) {
    JobOutcome o;
    o.job = job;
    o.ok = loss.has_value();
    o.loss = loss.value_or(0);
    o.error = loss ? "" : "diverged";
    o.failure = loss ? "" : "objective";
    o.worker = "w";
    out.clear();
    return state.on_result(o, now, out);
  }
  std::vector<std::string> submitted() {
    std::vector<std::string> jobs;
    for (const auto& s : taken<action::Submit>()) jobs.push_back(s.proposal.job);
    return jobs;
  }
};

}  // namespace

TEST_CASE("a new study asks for batch + queue_ahead points, one proposal at a time", "[tuner_state]") {
  Harness h(make_study(20, 3, 1));
  h.start();
  auto r = h.request();
  REQUIRE(r);
  CHECK(r->count == 4);
  CHECK(r->pending.empty());
  CHECK(r->round == 0);
  CHECK(h.state.proposal_outstanding());
  // Nothing more is asked while it is outstanding, whatever happens meanwhile.
  h.out.clear();
  h.now += 100;
  h.state.tick(h.now, h.out);
  CHECK(h.count<action::RequestProposal>() == 0);
  h.answer(*r);
  CHECK(h.submitted().size() == 4);
  CHECK_FALSE(h.state.proposal_outstanding());
  CHECK(h.count<action::RequestProposal>() == 0);  // every slot is taken
  // A result frees one slot: one point is asked for, with the three running ones pending.
  CHECK(h.result("J1", 1.0) == ResultKind::Recorded);
  r = h.request();
  REQUIRE(r);
  CHECK(r->count == 1);
  CHECK(r->pending.size() == 3);
  CHECK(r->round == 1);
  // A second result while that proposal is outstanding asks for nothing more; the answer to it
  // fills the one slot it asked for, and then the next slot is asked for at once.
  h.result("J2", 2.0);
  CHECK(h.count<action::RequestProposal>() == 0);
  h.answer(*r);
  CHECK(h.submitted().size() == 1);
  auto again = h.request();
  REQUIRE(again);
  CHECK(again->count == 1);
  CHECK(again->id != r->id);
}

TEST_CASE("each proposed point is journalled before it is submitted, each result recorded before its ack",
          "[tuner_state]") {
  Harness h(make_study(10, 3, 0, ProposalMode::Async, 1));
  h.start();
  h.answer(*h.request());
  std::vector<std::string> journalled;
  for (const auto& a : h.out) {
    if (const auto* j = std::get_if<action::Journal>(&a)) journalled.push_back(j->proposal.job);
    if (const auto* s = std::get_if<action::Submit>(&a))
      CHECK(std::count(journalled.begin(), journalled.end(), s->proposal.job) == 1);
  }
  CHECK(journalled.size() == 3);
  // A failed point's retry is journalled before it is submitted too.
  h.result("J1", std::nullopt);
  REQUIRE(h.out.size() >= 4);
  const auto* record = std::get_if<action::RecordResult>(&h.out[0]);
  REQUIRE(record);
  CHECK(record->record.job == "J1");
  CHECK(record->record.status == "failed");
  CHECK(record->record.error == "diverged");
  const auto* ack = std::get_if<action::Ack>(&h.out[1]);
  REQUIRE(ack);
  CHECK(ack->job == "J1");
  const auto* journal = std::get_if<action::Journal>(&h.out[2]);
  const auto* submit = std::get_if<action::Submit>(&h.out[3]);
  REQUIRE(journal);
  REQUIRE(submit);
  CHECK(journal->proposal.job == submit->proposal.job);
  CHECK(submit->proposal.retry == 1);
  CHECK(submit->proposal.params == record->record.params);
}

TEST_CASE("a result delivered twice is recorded once and acknowledged twice", "[tuner_state]") {
  Harness h(make_study(10, 2));
  h.start();
  h.answer(*h.request());
  CHECK(h.result("J1", 3.0) == ResultKind::Recorded);
  CHECK(h.count<action::RecordResult>() == 1);
  CHECK(h.result("J1", 3.0) == ResultKind::Duplicate);
  CHECK(h.count<action::RecordResult>() == 0);
  CHECK(h.count<action::Ack>() == 1);
  CHECK(h.count<action::RequestProposal>() == 0);
  CHECK(h.result("nobody", 3.0) == ResultKind::Unknown);
  CHECK(h.count<action::Ack>() == 1);
  CHECK(h.state.evaluations().size() == 1);
  CHECK(h.state.duplicates() == 1);
}

TEST_CASE("the budget is never exceeded and the study is done when the last result is in", "[tuner_state]") {
  Harness h(make_study(5, 2, 1));
  h.start();
  int recorded = 0;
  std::vector<std::string> running;
  for (int guard = 0; guard < 100 && !h.state.done(); ++guard) {
    if (auto r = h.request()) {
      CHECK(r->count <= 5 - recorded - static_cast<int>(running.size()));
      h.answer(*r);
    }
    for (const auto& job : h.submitted()) running.push_back(job);
    CHECK(static_cast<int>(running.size()) <= 3);
    if (h.done()) break;
    REQUIRE_FALSE(running.empty());
    const std::string job = running.front();
    running.erase(running.begin());
    h.result(job, 1.0 + recorded);
    ++recorded;
  }
  CHECK(h.done() == "budget");
  CHECK(h.state.evaluations().size() == 5);
  CHECK(h.next_job == 5);  // exactly the budget was proposed
  // Done is final.
  h.out.clear();
  h.state.tick(h.now + 10, h.out);
  CHECK(h.out.empty());
}

TEST_CASE("a failed point is retried up to `retries` times, without a proposal", "[tuner_state]") {
  Harness h(make_study(10, 1, 0, ProposalMode::Async, 2));
  h.start();
  h.answer(*h.request());
  const Params p = h.state.in_flight_proposals().front().params;
  h.result("J1", std::nullopt);
  CHECK(h.count<action::RequestProposal>() == 0);
  REQUIRE(h.submitted() == std::vector<std::string>{"J2"});
  CHECK(h.taken<action::Submit>()[0].proposal.params == p);
  h.result("J2", std::nullopt);
  REQUIRE(h.submitted() == std::vector<std::string>{"J3"});
  CHECK(h.taken<action::Submit>()[0].proposal.retry == 2);
  h.result("J3", std::nullopt);  // the last allowed retry failed: a new point is asked for
  CHECK(h.submitted().empty());
  CHECK(h.request());
  CHECK(h.state.failed() == 3);
}

TEST_CASE("resume: jobs in flight are re-submitted, cancelled ones are not, pending retries go first",
          "[tuner_state]") {
  Study study = make_study(10, 3, 0, ProposalMode::Async, 1);
  StudyRecords records;
  records.proposals = {{"A", point(1), 900, 0}, {"B", point(2), 910, 0}, {"C", point(3), 920, 0}, {"D", point(4), 930, 0}};
  EvaluationRecord a;
  a.job = "A";
  a.params = point(1);
  a.status = "failed";
  a.error = "oom";
  records.evaluations.push_back(a);
  EvaluationRecord b;
  b.index = 1;
  b.job = "B";
  b.params = point(2);
  b.loss = 0.5;
  records.evaluations.push_back(b);
  records.cancelled["C"] = true;
  Harness h(study, records);
  CHECK(h.state.in_flight() == 1);  // D
  CHECK(h.state.retries_waiting() == 1);  // A, retry 1
  CHECK(h.state.started_at() == 900);
  CHECK(h.state.best()->job == "B");
  h.start();
  // D re-submitted as it was (no new journal line), then A's retry journalled and submitted,
  // then one proposal for the last slot with both pending, numbered after the journal's rounds.
  REQUIRE(h.out.size() == 4);
  const auto* resubmit = std::get_if<action::Submit>(&h.out[0]);
  REQUIRE(resubmit);
  CHECK(resubmit->proposal.job == "D");
  CHECK(resubmit->proposal.proposed_at == 930);
  const auto* journal = std::get_if<action::Journal>(&h.out[1]);
  REQUIRE(journal);
  CHECK(journal->proposal.params == point(1));
  CHECK(journal->proposal.retry == 1);
  CHECK(std::get_if<action::Submit>(&h.out[2]));
  const auto* r = std::get_if<action::RequestProposal>(&h.out[3]);
  REQUIRE(r);
  CHECK(r->count == 1);
  CHECK(r->pending == std::vector<Params>{point(4), point(1)});
  CHECK(r->round == 4);
  // A result for D is recorded with its original proposal time; C's late result is not.
  h.result("D", 0.25);
  REQUIRE(h.count<action::RecordResult>() == 1);
  CHECK(h.taken<action::RecordResult>()[0].record.proposed_at == 930);
  CHECK(h.taken<action::RecordResult>()[0].record.index == 2);
  CHECK(h.result("C", 0.1) == ResultKind::Unknown);
  CHECK(h.state.evaluations().size() == 3);
}

TEST_CASE("a resumed study whose budget is spent is done at once", "[tuner_state]") {
  StudyRecords records;
  for (int i = 0; i < 3; ++i) {
    records.proposals.push_back({"J" + std::to_string(i), point(i), 900, 0});
    EvaluationRecord e;
    e.index = i;
    e.job = "J" + std::to_string(i);
    e.params = point(i);
    e.loss = i;
    records.evaluations.push_back(e);
  }
  Harness h(make_study(3, 2), records);
  h.start();
  CHECK(h.done() == "budget");
  CHECK(h.count<action::RequestProposal>() == 0);
}

TEST_CASE("stopping rules cancel what is in flight and end the study", "[tuner_state]") {
  SECTION("target") {
    Study s = make_study(50, 2);
    s.stop.target = 0.5;
    Harness h(s);
    h.start();
    h.answer(*h.request());
    h.result("J1", 0.7);
    CHECK_FALSE(h.done());
    h.answer(*h.request());
    h.result("J2", 0.5);  // equal to the target counts
    CHECK(h.taken<action::Cancel>().size() == 1);
    CHECK(h.taken<action::Cancel>()[0].job == "J3");
    CHECK(h.done() == "target");
    CHECK(std::holds_alternative<action::Done>(h.out.back()));
    // The record comes before the cancellation.
    CHECK(std::holds_alternative<action::RecordResult>(h.out[0]));
  }
  SECTION("target when maximizing") {
    Study s = make_study(50, 1);
    s.direction = Direction::Maximize;
    s.stop.target = 10;
    Harness h(s);
    h.start();
    h.answer(*h.request());
    h.result("J1", 5);
    CHECK_FALSE(h.done());
    h.answer(*h.request());
    h.result("J2", 11);
    CHECK(h.done() == "target");
  }
  SECTION("patience") {
    Study s = make_study(50, 1);
    s.stop.patience = 2;
    Harness h(s);
    h.start();
    const double losses[] = {3, 1, 2, 0.5, 4, 5};
    for (int i = 0; i < 6; ++i) {
      h.answer(*h.request());
      h.result("J" + std::to_string(i + 1), losses[i]);
      if (i < 5) CHECK_FALSE(h.done());
    }
    CHECK(h.done() == "patience");  // 4 and 5 after the best (0.5)
  }
  SECTION("max_seconds, on the clock given") {
    Study s = make_study(50, 1);
    s.stop.max_seconds = 60;
    Harness h(s);
    h.start();
    h.answer(*h.request());
    h.out.clear();
    h.state.tick(1059, h.out);
    CHECK_FALSE(h.done());
    h.state.tick(1060, h.out);
    CHECK(h.done() == "max_seconds");
    CHECK(h.count<action::Cancel>() == 1);
  }
  SECTION("min_qei: the first GP batch below the threshold") {
    Study s = make_study(50, 1);
    s.stop.min_qei = 0.1;
    Harness h(s);
    h.start();
    h.answer(*h.request(), "initial", 0.0);  // the initial design is never judged by qEI
    CHECK(h.submitted().size() == 1);
    h.result("J1", 1.0);
    h.answer(*h.request(), "qei", 0.05);
    CHECK(h.submitted().empty());
    CHECK(h.done() == "min_qei");
  }
  SECTION("a stop by signal leaves the jobs in flight to the next run") {
    Harness h(make_study(50, 2));
    h.start();
    const auto r = h.request();
    h.answer(*r);
    h.result("J1", 1.0);
    const auto pending = h.request();
    REQUIRE(pending);
    h.out.clear();
    h.state.on_stop(h.now, h.out);
    CHECK(h.done() == "signal");
    CHECK(h.count<action::Cancel>() == 0);
    CHECK(h.state.in_flight() == 1);
    CHECK_FALSE(h.state.proposal_outstanding());
    // The abandoned proposal's late answer changes nothing.
    h.answer(*pending);
    CHECK(h.out.empty());
  }
}

TEST_CASE("sync mode proposes whole batches, async mode refills each slot", "[tuner_state]") {
  SECTION("sync") {
    Harness h(make_study(20, 3, 2, ProposalMode::Sync));
    h.start();
    auto r = h.request();
    REQUIRE(r);
    CHECK(r->count == 3);  // queue_ahead applies to async only
    h.answer(*r);
    h.result("J1", 1);
    CHECK(h.count<action::RequestProposal>() == 0);
    h.result("J2", 1);
    CHECK(h.count<action::RequestProposal>() == 0);
    h.result("J3", 1);
    r = h.request();
    REQUIRE(r);
    CHECK(r->count == 3);
    CHECK(r->pending.empty());
  }
  SECTION("async") {
    Harness h(make_study(20, 3, 0));
    h.start();
    h.answer(*h.request());
    h.result("J2", 1);
    auto r = h.request();
    REQUIRE(r);
    CHECK(r->count == 1);
    CHECK(r->pending.size() == 2);
  }
}

TEST_CASE("a broker restart re-submits everything in flight, unacknowledged jobs are re-sent in time",
          "[tuner_state]") {
  Harness h(make_study(20, 3));
  h.start();
  h.answer(*h.request());
  h.out.clear();
  h.state.on_submit_ack("J1", true, h.now, h.out);
  h.state.on_submit_ack("J2", false, h.now, h.out);  // refused: sent again later
  h.state.tick(h.now + 2, h.out);
  CHECK(h.submitted().empty());
  h.state.tick(h.now + 4, h.out);
  auto jobs = h.submitted();
  std::sort(jobs.begin(), jobs.end());
  CHECK(jobs == std::vector<std::string>{"J2", "J3"});
  h.out.clear();
  h.state.on_broker_restart(h.now + 5, h.out);
  jobs = h.submitted();
  std::sort(jobs.begin(), jobs.end());
  CHECK(jobs == std::vector<std::string>{"J1", "J2", "J3"});
  CHECK(h.count<action::Journal>() == 0);  // already journalled
  CHECK(h.count<action::RequestProposal>() == 0);
}

TEST_CASE("a space running out of points ends the study instead of proposing in a loop", "[tuner_state]") {
  Harness h(make_study(20, 2));
  h.start();
  auto r = h.request();
  REQUIRE(r);
  ProposalBatch one;
  one.method = "qei";
  one.points = {point(1)};
  h.out.clear();
  h.state.on_proposal(r->id, one, h.now, h.out);  // fewer than asked
  CHECK(h.submitted().size() == 1);
  CHECK(h.count<action::RequestProposal>() == 0);
  h.out.clear();
  h.state.tick(h.now, h.out);
  CHECK(h.count<action::RequestProposal>() == 0);  // not again until a result changes the picture
  h.result("J1", 1.0);
  r = h.request();
  REQUIRE(r);
  h.out.clear();
  h.state.on_proposal(r->id, ProposalBatch{{}, "random", std::nullopt}, h.now, h.out);
  CHECK(h.done() == "exhausted");
}

namespace {

Study fidelity_study(int budget, int batch, scheduling::SchedulerKind kind = scheduling::SchedulerKind::Asha) {
  Study s = make_study(budget, batch);
  scheduling::FidelitySettings f;
  f.step_min = 1;
  f.step_max = 27;
  f.eta = 3;
  f.scheduler = kind;
  s.fidelity = f;
  return s;
}

// The harness submitted `count` jobs, each with step_max 27 and these rungs.
void check_submits(Harness& h, std::size_t count, const std::vector<std::int64_t>& rungs) {
  const auto submits = h.taken<action::Submit>();
  REQUIRE(submits.size() == count);
  for (const auto& s : submits) {
    CHECK(s.max_steps == 27);
    CHECK(s.rungs == rungs);
  }
}

// Delivers job's successful result with its learning curve (stopped_at: the rung where it was
// stopped, 0: it ran to the end), after clearing the harness's actions.
ResultKind finish(Harness& h, const std::string& job, double loss, std::vector<std::pair<std::int64_t, double>> curve,
                  std::int64_t stopped_at = 0) {
  JobOutcome o;
  o.job = job;
  o.ok = true;
  o.loss = loss;
  o.worker = "w";
  o.curve = std::move(curve);
  o.stopped_at = stopped_at;
  h.out.clear();
  return h.state.on_result(o, h.now, h.out);
}

}  // namespace

TEST_CASE("with [fidelity] trials are submitted with step_max and their rungs, ASHA decides at each rung", "[tuner_state][fidelity]") {
  Harness h(fidelity_study(20, 3));
  h.start();
  h.answer(*h.request());
  check_submits(h, 3, {1, 3, 9});
  // Rung 1: three trials report; with eta 3 the first two always go on (fewer than 3 at the
  // rung), the third goes on only in the best third of the three.
  h.out.clear();
  CHECK(h.state.on_report("J1", 1, 1, 0.5, h.now, h.out) == ReportDecision::Continue);
  CHECK(h.state.on_report("J2", 1, 1, 0.9, h.now, h.out) == ReportDecision::Continue);
  CHECK(h.state.on_report("J3", 1, 1, 0.7, h.now, h.out) == ReportDecision::Stop);  // 0.5 is better: 1 of 3 goes on
  // Each decision is journalled, in order, before it is sent.
  auto journalled = h.taken<action::JournalReport>();
  REQUIRE(journalled.size() == 3);
  CHECK(journalled[2].report.job == "J3");
  CHECK_FALSE(journalled[2].report.go_on);
  CHECK(h.state.records().reports.size() == 3);
  // A repeated report changes nothing and gets the same answer; an unknown job hears stop.
  h.out.clear();
  CHECK(h.state.on_report("J3", 1, 1, 0.1, h.now, h.out) == ReportDecision::Stop);
  CHECK(h.out.empty());
  CHECK(h.state.on_report("nobody", 1, 1, 0.5, h.now, h.out) == ReportDecision::Stop);
  // J3 comes back stopped: a "stopped" record with its curve, not a failure, not retried, not best.
  finish(h, "J3", 0.7, {{1, 0.7}}, 1);
  const auto& r = h.state.evaluations().back();
  CHECK(r.stopped());
  CHECK(r.stopped_at == 1);
  CHECK(r.loss == 0.7);
  CHECK(r.curve == std::vector<std::pair<std::int64_t, double>>{{1, 0.7}});
  CHECK(h.state.failed() == 0);
  CHECK(h.state.retries_waiting() == 0);
  CHECK_FALSE(h.state.best());
  // A full-length result counts as best.
  finish(h, "J1", 0.2, {{1, 0.5}, {27, 0.2}});
  REQUIRE(h.state.best());
  CHECK(h.state.best()->job == "J1");
  CHECK(h.state.steps_used() == 1 + 27 + 1);  // J3 and J1 finished, J2 reported step 1
}

TEST_CASE("ASHA without eta in the study: rungs 1, 5 and 25, and from the third loss at a rung only the best goes on",
          "[tuner_state][fidelity]") {
  Study study = fidelity_study(20, 4);
  study.fidelity->eta.reset();  // the study file left it out: 5 with ASHA
  Harness h(study);
  h.start();
  h.answer(*h.request());
  check_submits(h, 4, {1, 5, 25});
  h.out.clear();
  // Fewer than 3 losses at the rung: both go on. Then floor(n / 5) = 0 until n = 5: the quota is
  // one, so the third and fourth go on only if no recorded loss beats theirs.
  CHECK(h.state.on_report("J1", 1, 1, 0.5, h.now, h.out) == ReportDecision::Continue);
  CHECK(h.state.on_report("J2", 1, 1, 0.9, h.now, h.out) == ReportDecision::Continue);
  CHECK(h.state.on_report("J3", 1, 1, 0.6, h.now, h.out) == ReportDecision::Stop);
  CHECK(h.state.on_report("J4", 1, 1, 0.4, h.now, h.out) == ReportDecision::Continue);  // the best so far
  CHECK(h.state.on_report("J1", 1, 5, 0.3, h.now, h.out) == ReportDecision::Continue);  // alone at rung 5
}

TEST_CASE("a maximised study ranks reports the other way round", "[tuner_state][fidelity]") {
  Study study = fidelity_study(20, 3);
  study.direction = Direction::Maximize;
  Harness h(study);
  h.start();
  h.answer(*h.request());
  h.out.clear();
  CHECK(h.state.on_report("J1", 1, 1, 0.5, h.now, h.out) == ReportDecision::Continue);
  CHECK(h.state.on_report("J2", 1, 1, 0.9, h.now, h.out) == ReportDecision::Continue);
  CHECK(h.state.on_report("J3", 1, 1, 0.95, h.now, h.out) == ReportDecision::Continue);  // the best accuracy
}

TEST_CASE("a resumed tuner rebuilds its rung tables from the journal's reports", "[tuner_state][fidelity]") {
  StudyRecords records;
  records.proposals = {{"A", point(1), 900, 0}, {"B", point(2), 900, 0}, {"C", point(3), 900, 0}, {"D", point(4), 900, 0}};
  records.reports = {{"A", 1, 0.5, true}, {"B", 1, 0.9, true}, {"C", 1, 0.6, false}};
  Harness h(fidelity_study(20, 4), records);
  h.start();
  // The jobs in flight are submitted again with the rungs they had.
  check_submits(h, 4, {1, 3, 9});
  // D at rung 1 with 0.55: one of four may go on (0.5 is better): stop. Had the tables been
  // lost, D would be the first at the rung and go on.
  h.out.clear();
  CHECK(h.state.on_report("D", 1, 1, 0.55, h.now, h.out) == ReportDecision::Stop);
  // C was told to stop before the restart: a repeated report still hears stop.
  CHECK(h.state.on_report("C", 1, 1, 0.6, h.now, h.out) == ReportDecision::Stop);
  // A's worker was lost: attempt 2 runs it again from the start. Its rung-1 report gets the
  // decision that stands; a late report of attempt 1 now counts nowhere.
  h.out.clear();
  CHECK(h.state.on_report("A", 2, 1, 0.5, h.now, h.out) == ReportDecision::Continue);
  CHECK(h.out.empty());
  CHECK(h.state.on_report("A", 1, 3, 0.1, h.now, h.out) == ReportDecision::Stop);
  CHECK(h.out.empty());
  CHECK(h.state.on_report("A", 2, 3, 0.4, h.now, h.out) == ReportDecision::Continue);
  CHECK(h.state.records().reports.back().job == "A");
  CHECK(h.state.records().reports.back().loss == 0.4);
}

TEST_CASE("budget_steps ends the study once the steps are spent, proposals see one fidelity", "[tuner_state][fidelity]") {
  Study study = fidelity_study(100, 2);
  study.fidelity->budget_steps = 60;
  study.fidelity->model_input = quante::tuner::scheduling::ModelInput::Rung;
  Harness h(study);
  h.start();
  h.answer(*h.request());
  // Two full-length trials (27 steps each), then two stopped at rung 3.
  finish(h, "J1", 0.3, {{1, 0.9}, {3, 0.6}, {9, 0.4}, {27, 0.3}});
  h.answer(*h.request());  // J3
  finish(h, "J2", 0.2, {{1, 0.8}, {3, 0.5}, {9, 0.3}, {27, 0.2}});
  auto r = h.request();
  REQUIRE(r);
  // Fewer than d + 2 = 4 trials at any level: the model sees the highest level with the most
  // trials, step 27, where J1 and J2 are.
  REQUIRE(r->evaluations.size() == 2);
  CHECK(r->evaluations[0].loss == 0.3);
  h.answer(*r);  // J4
  CHECK(h.state.steps_used() == 54);
  finish(h, "J3", 0.7, {{1, 0.9}, {3, 0.7}}, 3);
  CHECK(h.state.steps_used() == 57);
  auto last = h.request();  // 57 < 60: one more trial may start
  REQUIRE(last);
  finish(h, "J4", 0.65, {{1, 0.95}, {3, 0.65}}, 3);
  CHECK(h.state.steps_used() == 60);
  CHECK_FALSE(h.done());  // a proposal is outstanding; its points find the steps spent
  h.answer(*last);
  CHECK(h.submitted().empty());
  CHECK(h.done() == "budget");
}

TEST_CASE("with the default joint model input proposals see every trial at every rung it reached", "[tuner_state][fidelity]") {
  Study study = fidelity_study(100, 2);
  Harness h(study);
  h.start();
  h.answer(*h.request());
  finish(h, "J1", 0.3, {{1, 0.9}, {3, 0.6}, {9, 0.4}, {27, 0.3}});
  h.answer(*h.request());  // J3
  finish(h, "J2", 0.7, {{1, 0.9}, {3, 0.7}}, 3);
  auto r = h.request();
  REQUIRE(r);
  // J1 at steps 1, 3, 9 and 27, J2 at 1 and 3 (stopped there), each at its loss at that step.
  REQUIRE(r->evaluations.size() == 6);
  const std::vector<std::pair<std::int64_t, double>> expected = {{1, 0.9}, {3, 0.6}, {9, 0.4}, {27, 0.3}, {1, 0.9}, {3, 0.7}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(r->evaluations[i].ok());
    CHECK(quante::tuner::joint_view_level(r->evaluations[i], 27) == expected[i].first);
    CHECK(r->evaluations[i].loss == expected[i].second);
  }
}

TEST_CASE("with scheduler none the model sees step_max alone, as without [fidelity]", "[tuner_state][fidelity]") {
  Harness h(fidelity_study(100, 2, scheduling::SchedulerKind::None));
  h.start();
  h.answer(*h.request());
  finish(h, "J1", 0.3, {{1, 0.9}, {3, 0.6}, {9, 0.4}, {27, 0.3}});
  auto r = h.request();
  REQUIRE(r);
  REQUIRE(r->evaluations.size() == 1);
  CHECK(r->evaluations[0].loss == 0.3);
  CHECK(r->evaluations[0].stopped_at == 0);
}

TEST_CASE("request_for (suggest) sees the journal's pending points and round without changing the state",
          "[tuner_state]") {
  StudyRecords records;
  records.proposals = {{"A", point(1), 900, 0}, {"B", point(2), 900, 0}};
  EvaluationRecord a;
  a.job = "A";
  a.params = point(1);
  a.loss = 1;
  records.evaluations.push_back(a);
  const TunerState state(make_study(20, 4), records, 1000);
  const auto r = state.request_for(7);
  CHECK(r.count == 7);
  CHECK(r.pending == std::vector<Params>{point(2)});
  CHECK(r.round == 2);
  CHECK_FALSE(state.proposal_outstanding());
}

TEST_CASE("max_failures_in_a_row ends the study after N identical failures in a row, naming the error",
          "[tuner_state][failures]") {
  SECTION("identical failures in a row stop the study") {
    Study s = make_study(50, 1);
    s.stop.max_failures_in_a_row = 3;
    Harness h(s);
    h.start();
    for (int i = 1; i <= 3; ++i) {
      h.answer(*h.request());
      h.result("J" + std::to_string(i), std::nullopt);  // "objective: diverged" each time
    }
    CHECK(h.done() == "failures");
    CHECK(h.state.failure_streak() == 3);
    CHECK(h.state.repeated_error() == "objective: diverged");
  }
  SECTION("a success or another error starts the count again") {
    Study s = make_study(50, 1);
    s.stop.max_failures_in_a_row = 3;
    Harness h(s);
    h.start();
    h.answer(*h.request());
    h.result("J1", std::nullopt);
    h.answer(*h.request());
    h.result("J2", std::nullopt);
    h.answer(*h.request());
    h.result("J3", 1.0);
    CHECK(h.state.failure_streak() == 0);
    h.answer(*h.request());
    h.result("J4", std::nullopt);
    h.answer(*h.request());
    h.result("J5", std::nullopt);
    CHECK_FALSE(h.done());
    CHECK(h.state.failure_streak() == 2);
  }
  SECTION("0 turns the rule off") {
    Study s = make_study(12, 1);
    s.stop.max_failures_in_a_row = 0;
    Harness h(s);
    h.start();
    for (int i = 1; i <= 12; ++i) {
      h.answer(*h.request());
      h.result("J" + std::to_string(i), std::nullopt);
    }
    CHECK(h.done() == "budget");
  }
  SECTION("a resumed history that ends in N identical failures stops at once") {
    Study s = make_study(50, 1);
    s.stop.max_failures_in_a_row = 2;
    StudyRecords records;
    for (int i = 0; i < 2; ++i) {
      EvaluationRecord r;
      r.index = i;
      r.job = "old" + std::to_string(i);
      r.params = point(i);
      r.status = "failed";
      r.failure = "objective";
      r.error = "boom";
      records.evaluations.push_back(r);
    }
    Harness h(s, records);
    h.start();
    CHECK(h.done() == "failures");
  }
}

TEST_CASE("objective_metric: the metric becomes the record's loss, a result without it fails",
          "[tuner_state][metric]") {
  Study s = make_study(10, 1);
  s.objective_metric = "accuracy";
  s.direction = Direction::Maximize;
  Harness h(s);
  h.start();
  h.answer(*h.request());
  JobOutcome o;
  o.job = "J1";
  o.ok = true;
  o.loss = 0.4;
  o.metrics = {{"accuracy", 0.91}};
  h.out.clear();
  h.state.on_result(o, h.now, h.out);
  auto records = h.taken<action::RecordResult>();
  REQUIRE(records.size() == 1);
  CHECK(records[0].record.ok());
  CHECK(*records[0].record.loss == 0.91);
  CHECK(records[0].record.metrics.at("loss") == 0.4);
  CHECK(records[0].record.metrics.at("accuracy") == 0.91);

  h.answer(*h.request());
  o.job = "J2";
  o.metrics = {{"f1", 0.5}};
  h.out.clear();
  h.state.on_result(o, h.now, h.out);
  records = h.taken<action::RecordResult>();
  REQUIRE(records.size() == 1);
  CHECK(records[0].record.failed());
  CHECK(records[0].record.error.find("no metric 'accuracy'") != std::string::npos);
  CHECK(records[0].record.error.find("objective_metric") != std::string::npos);
  CHECK(*h.state.best()->loss == 0.91);
}

TEST_CASE("stop.confirm re-evaluates the best distinct points at the end, beyond the budget", "[tuner_state][confirm]") {
  Study study = make_study(4, 2);
  study.stop.confirm = 2;
  Harness h(study);
  h.start();
  h.answer(*h.request());  // J1, J2 at x = 0, 1
  h.result("J1", 0.5);
  h.answer(*h.request());  // J3 at x = 2
  h.result("J2", 0.2);
  h.answer(*h.request());  // J4 at x = 3
  h.result("J3", 0.9);
  CHECK_FALSE(h.done());
  h.result("J4", 0.3);  // the budget is spent: J2 (0.2) and J4 (0.3) are the two best
  CHECK_FALSE(h.done());
  const auto journal = h.taken<action::Journal>();
  REQUIRE(journal.size() == 2);
  CHECK(journal[0].proposal.confirms == "J2");
  CHECK(journal[0].proposal.params == point(1));
  CHECK(journal[1].proposal.confirms == "J4");
  CHECK(journal[1].proposal.params == point(3));
  CHECK(h.submitted() == std::vector<std::string>{"J5", "J6"});
  h.result("J5", 0.3);
  auto recorded = h.taken<action::RecordResult>();
  REQUIRE(recorded.size() == 1);
  CHECK(recorded[0].record.confirms == "J2");
  CHECK_FALSE(h.done());
  CHECK(h.count<action::RequestProposal>() == 0);  // nothing new is proposed meanwhile
  h.result("J6", std::nullopt);                    // a failed re-evaluation is not retried
  CHECK(h.done() == "budget");
  CHECK(h.state.evaluations().size() == 6);
  // J2: (0.2 + 0.3) / 2 = 0.25 over two evaluations; J4: 0.3 alone (its re-evaluation failed).
  const auto confirmed = confirmed_best(h.state.evaluations(), study);
  REQUIRE(confirmed);
  CHECK(h.state.evaluations()[confirmed->index].job == "J2");
  CHECK(confirmed->mean == Approx(0.25));
  CHECK(confirmed->evaluations == 2);
}

TEST_CASE("stop.confirm: a signal ends the study without re-evaluations", "[tuner_state][confirm]") {
  Study study = make_study(10, 1);
  study.stop.confirm = 3;
  Harness h(study);
  h.start();
  h.answer(*h.request());
  h.result("J1", 0.5);
  h.out.clear();
  h.state.on_stop(h.now, h.out);
  CHECK(h.done() == "signal");
  CHECK(h.count<action::Journal>() == 0);
}

TEST_CASE("stop.confirm: a tuner resumed during the re-evaluations waits for them, then ends", "[tuner_state][confirm]") {
  Study study = make_study(2, 2);
  study.stop.confirm = 1;
  StudyRecords records;
  records.proposals = {{"A", point(1), 900, 0, {}}, {"B", point(2), 900, 0, {}}, {"C", point(2), 950, 0, "B"}};
  for (const auto& [job, x, loss] : {std::tuple{"A", 1.0, 0.7}, std::tuple{"B", 2.0, 0.1}}) {
    EvaluationRecord r;
    r.job = job;
    r.params = point(x);
    r.loss = loss;
    records.evaluations.push_back(r);
  }
  Harness h(study, records);
  h.start();
  CHECK(h.submitted() == std::vector<std::string>{"C"});  // the re-evaluation in flight goes out again
  CHECK(h.count<action::RequestProposal>() == 0);
  h.result("C", 0.2);
  CHECK(h.done() == "confirmed");
  CHECK(h.count<action::Journal>() == 0);  // no second round of re-evaluations
}

TEST_CASE("confirmation candidates: best first, one per distinct point, stopped and failed ones never",
          "[tuner_state][confirm]") {
  const Study study = make_study(10, 1);
  std::vector<EvaluationRecord> records(5);
  const double xs[] = {1, 2, 2, 3, 4};
  const double losses[] = {0.4, 0.1, 0.15, 0.05, 0.2};
  for (int i = 0; i < 5; ++i) {
    records[i].job = "J" + std::to_string(i);
    records[i].params = point(xs[i]);
    records[i].loss = losses[i];
  }
  records[3].status = "stopped";  // the lowest loss, but it did not run its course
  records[3].stopped_at = 3;
  CHECK(confirmation_candidates(records, study, 3) == std::vector<std::size_t>{1, 4, 0});
  CHECK(confirmation_candidates(records, study, 0).empty());
  CHECK_FALSE(confirmed_best(records, study));
}

namespace {

// A forecast with a fixed answer, recording what it was asked (the state machine's view of the
// joint model, final_loss_forecast.hpp).
struct FixedForecast final : FinalLossForecast {
  explicit FixedForecast(double p) : probability(p) {}
  double probability;
  mutable std::vector<std::pair<std::int64_t, double>> asked_curve;
  mutable double asked_threshold = 0;
  double probability_better(const Params&, const std::vector<std::pair<std::int64_t, double>>& curve,
                            double threshold) const override {
    asked_curve = curve;
    asked_threshold = threshold;
    return probability;
  }
};

// J1, J2, J3 at rung 1 (0.5, 0.9, then 0.7, which ASHA stops: 0.5 is better, one of three goes
// on), with J1 finished at full length (0.2) before J3 reports; the batch carries `forecast`.
ReportDecision j3_at_rung_one(Harness& h, std::shared_ptr<const FinalLossForecast> forecast) {
  h.start();
  auto r = h.request();
  ProposalBatch b;
  b.method = "qei";
  for (int i = 0; i < r->count; ++i) b.points.push_back(point(h.next_x++));
  b.forecast = std::move(forecast);
  h.out.clear();
  h.state.on_proposal(r->id, b, h.now, h.out);
  h.out.clear();
  REQUIRE(h.state.on_report("J1", 1, 1, 0.5, h.now, h.out) == ReportDecision::Continue);
  REQUIRE(h.state.on_report("J2", 1, 1, 0.9, h.now, h.out) == ReportDecision::Continue);
  finish(h, "J1", 0.2, {{1, 0.5}, {27, 0.2}});
  h.out.clear();
  return h.state.on_report("J3", 1, 1, 0.7, h.now, h.out);
}

Study keeping_study(double keep_probability) {
  Study s = fidelity_study(20, 3);
  s.fidelity->keep_probability = keep_probability;
  return s;
}

}  // namespace

TEST_CASE("keep_probability: a trial the rule stops goes on when the model gives it a good chance", "[tuner_state][fidelity]") {
  SECTION("the forecast says 0.8 >= 0.5: it goes on, and is judged again at its next rung") {
    auto forecast = std::make_shared<FixedForecast>(0.8);
    Harness h(keeping_study(0.5));
    CHECK(j3_at_rung_one(h, forecast) == ReportDecision::Continue);
    // Asked with J3's curve and the best full-length loss.
    CHECK(forecast->asked_curve == std::vector<std::pair<std::int64_t, double>>{{1, 0.7}});
    CHECK(forecast->asked_threshold == 0.2);
    auto journalled = h.taken<action::JournalReport>();
    REQUIRE(journalled.size() == 1);
    CHECK(journalled[0].report.go_on);
    // At rung 3 it is the first there: it goes on (it was not left stopped in the rule's ledger).
    h.out.clear();
    CHECK(h.state.on_report("J3", 1, 3, 0.6, h.now, h.out) == ReportDecision::Continue);
  }
  SECTION("the forecast says 0.3 < 0.5: stopped as the rule says") {
    Harness h(keeping_study(0.5));
    CHECK(j3_at_rung_one(h, std::make_shared<FixedForecast>(0.3)) == ReportDecision::Stop);
  }
  SECTION("keep_probability 0 (the default): the forecast is not asked") {
    auto forecast = std::make_shared<FixedForecast>(1.0);
    Harness h(keeping_study(0.0));
    CHECK(j3_at_rung_one(h, forecast) == ReportDecision::Stop);
    CHECK(forecast->asked_curve.empty());
  }
  SECTION("no full-length loss yet: nothing to beat, the rule decides") {
    auto forecast = std::make_shared<FixedForecast>(1.0);
    Harness h(keeping_study(0.5));
    h.start();
    auto r = h.request();
    ProposalBatch b;
    for (int i = 0; i < r->count; ++i) b.points.push_back(point(h.next_x++));
    b.forecast = forecast;
    h.out.clear();
    h.state.on_proposal(r->id, b, h.now, h.out);
    h.out.clear();
    h.state.on_report("J1", 1, 1, 0.5, h.now, h.out);
    h.state.on_report("J2", 1, 1, 0.9, h.now, h.out);
    CHECK(h.state.on_report("J3", 1, 1, 0.7, h.now, h.out) == ReportDecision::Stop);
    CHECK(forecast->asked_curve.empty());
  }
}

TEST_CASE("keep_probability: a resumed tuner replays the model's go-on decisions from the journal", "[tuner_state][fidelity]") {
  StudyRecords records;
  records.proposals = {{"A", point(1), 900, 0}, {"B", point(2), 900, 0}, {"C", point(3), 900, 0}};
  // C at rung 1 is one the rule stops (0.5 is better); the journal says the model kept it going.
  records.reports = {{"A", 1, 0.5, true}, {"B", 1, 0.9, true}, {"C", 1, 0.6, true}};
  Harness h(keeping_study(0.5), records);
  h.start();
  h.out.clear();
  // No forecast after the restart, yet C is not stopped: its rung-3 report is judged, first there.
  CHECK(h.state.on_report("C", 1, 3, 0.4, h.now, h.out) == ReportDecision::Continue);
  // Without the journalled go-on, C would have been stopped at rung 1 for good.
  StudyRecords stopped = records;
  stopped.reports[2].go_on = false;
  Harness g(keeping_study(0.5), stopped);
  g.start();
  g.out.clear();
  CHECK(g.state.on_report("C", 1, 3, 0.4, g.now, g.out) == ReportDecision::Stop);
}
