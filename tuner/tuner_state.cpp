#include "tuner_state.hpp"

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "confirmation.hpp"
#include "fidelity_model_view.hpp"
#include "protocol.hpp"
#include "rungs.hpp"

namespace quante::tuner {

std::optional<EvaluationRecord> best_record(const Study& study, const std::vector<EvaluationRecord>& records) {
  std::optional<EvaluationRecord> best;
  for (const auto& r : records)
    if (r.ok() && (!best || study.better(*r.loss, *best->loss))) best = r;
  return best;
}

TunerState::TunerState(Study study, StudyRecords resumed, double now, TunerStateSettings settings)
    : study_(std::move(study)), settings_(std::move(settings)), records_(std::move(resumed)) {
  if (!settings_.new_job_id) settings_.new_job_id = [] { return protocol::new_job_id(); };
  for (std::size_t i = 0; i < records_.evaluations.size(); ++i) note_record(i);
  started_at_ = now;
  for (const auto& p : records_.proposals) started_at_ = std::min(started_at_, p.proposed_at);
  for (const auto& p : records_.proposals)
    if (!recorded_jobs_.count(p.job) && !records_.cancelled.count(p.job)) inflight_[p.job] = InFlight{p, false, 0, {}};
  // Failed points whose retry was not yet proposed.
  std::set<std::pair<std::string, int>> proposed_retries;
  for (const auto& p : records_.proposals) proposed_retries.insert({study_.space.key(p.params), p.retry});
  for (const auto& e : records_.evaluations)
    if (e.failed() && e.confirms.empty() && e.retry < study_.retries &&
        !proposed_retries.count({study_.space.key(e.params), e.retry + 1}))
      retries_.emplace_back(e.params, e.retry + 1);
  round_ = records_.proposals.size();
  for (const auto& p : records_.proposals) confirming_ = confirming_ || !p.confirms.empty();
  if (study_.fidelity) {
    const auto& f = *study_.fidelity;
    scheduler_ = scheduling::make_scheduler(f, study_.seed);
    levels_ = scheduling::rung_steps(f.step_min, f.step_max, scheduling::effective_eta(f));
    replay_into_scheduler();
  }
}

void TunerState::replay_into_scheduler() {
  // Proposals in journal order (a trial's ordinal decides its Hyperband bracket), then the rung
  // reports as journalled, then the results. ASHA's and Hyperband's rung tables depend only on the
  // rung losses in their order, so they come back exactly; the median rule also reads finished
  // trials' last losses, which join after every report here (live they join as they finish).
  for (const auto& p : records_.proposals) {
    if (!p.confirms.empty()) continue;  // runs full length, never judged at a rung
    auto rungs = scheduler_->on_trial_add(p.job, ordinal_++);
    if (auto it = inflight_.find(p.job); it != inflight_.end()) it->second.extras.rungs = std::move(rungs);
  }
  for (const auto& r : records_.reports) {
    bool go_on = scheduler_->on_trial_report(r.job, r.step, internal(r.loss)) == scheduling::Decision::Continue;
    if (!go_on && r.go_on) {  // the model kept it going (model_keeps_going): as decided then
      scheduler_->keep_going(r.job);
      go_on = true;
    }
    if (auto it = inflight_.find(r.job); it != inflight_.end()) {
      it->second.extras.curve.emplace_back(r.step, r.loss);
      it->second.extras.stopped = !go_on;
    }
  }
  for (const auto& e : records_.evaluations)
    if (e.confirms.empty()) complete_in_scheduler(e);
}

void TunerState::complete_in_scheduler(const EvaluationRecord& r) {
  std::optional<double> loss;
  if (!r.failed() && r.loss) loss = internal(*r.loss);
  scheduler_->on_trial_complete(r.job, r.steps_run(study_.fidelity->step_max), loss);
}

double TunerState::internal(double loss) const { return study_.sign() * loss; }

void TunerState::start(double now, Actions& out) {
  if (done_) return;
  for (auto& [job, f] : inflight_) submit(f, now, out);
  check_stopping_rules(now);
  schedule(now, out);
}

void TunerState::on_proposal(std::uint64_t request_id, ProposalBatch batch, double now, Actions& out) {
  if (done_ || outstanding_ != request_id) return;  // an abandoned request's late answer
  outstanding_.reset();
  if (batch.qei && study_.stop.min_qei && *batch.qei < *study_.stop.min_qei && batch.method != "initial") {
    spdlog::info("the best batch's qEI {:.3g} is below min_qei {:.3g}", *batch.qei, *study_.stop.min_qei);
    stop_reason_ = "min_qei";
    schedule(now, out);
    return;
  }
  if (batch.forecast) forecast_ = std::move(batch.forecast);
  starved_ = static_cast<int>(batch.points.size()) < outstanding_count_;
  // Retries may have taken slots while the engine worked: launch what fits, drop the rest.
  const int take = std::min(free_slots(), static_cast<int>(batch.points.size()));
  for (int i = 0; i < take; ++i)
    launch({next_job_id(), std::move(batch.points[static_cast<std::size_t>(i)]), now, 0, {}}, now, out);
  schedule(now, out);
}

ResultKind TunerState::on_result(const JobOutcome& outcome, double now, Actions& out) {
  auto it = inflight_.find(outcome.job);
  if (it == inflight_.end()) {
    // Acknowledged even after Done: the broker must stop re-sending it either way.
    out.emplace_back(action::Ack{outcome.job});
    if (recorded_jobs_.count(outcome.job)) {
      ++duplicates_;
      return ResultKind::Duplicate;
    }
    return ResultKind::Unknown;
  }
  // After a stop by signal the jobs in flight stay in the journal for the next run: not recorded,
  // not acknowledged (the broker keeps the result for whoever resumes).
  if (done_) return ResultKind::Unknown;
  EvaluationRecord r = record_of(it->second, outcome);
  inflight_.erase(it);
  out.emplace_back(action::RecordResult{r});
  out.emplace_back(action::Ack{r.job});
  if (r.failed() && r.retry < study_.retries && r.confirms.empty()) retries_.emplace_back(r.params, r.retry + 1);
  if (scheduler_ && r.confirms.empty()) complete_in_scheduler(r);
  records_.evaluations.push_back(std::move(r));
  note_record(records_.evaluations.size() - 1);
  starved_ = false;
  check_stopping_rules(now);
  schedule(now, out);
  return ResultKind::Recorded;
}

void TunerState::on_submit_ack(const std::string& job, bool accepted, double now, Actions& out) {
  auto it = inflight_.find(job);
  if (done_ || it == inflight_.end()) return;
  // A refused job stays unacknowledged: tick() sends it again after resubmit_after_s.
  if (accepted) it->second.acked = true;
  (void)now;
  (void)out;
}

void TunerState::on_broker_restart(double now, Actions& out) {
  if (done_) return;
  for (auto& [job, f] : inflight_) submit(f, now, out);
}

void TunerState::on_stop(double now, Actions& out) {
  (void)now;
  if (done_) return;
  stop_reason_ = "signal";
  finish(out);
}

void TunerState::tick(double now, Actions& out) {
  if (done_) return;
  for (auto& [job, f] : inflight_)
    if (!f.acked && now - f.sent_at > settings_.resubmit_after_s) submit(f, now, out);
  check_stopping_rules(now);
  schedule(now, out);
}

ReportDecision TunerState::on_report(const std::string& job, std::uint32_t attempt, std::int64_t step, double loss,
                                     double now, Actions& out) {
  (void)now;
  auto it = inflight_.find(job);
  if (done_ || it == inflight_.end()) return ReportDecision::Stop;  // nobody waits for this job any more
  JobExtras& extras = it->second.extras;
  if (attempt < extras.attempt) return ReportDecision::Stop;        // an expired attempt's report
  extras.attempt = attempt;
  if (!scheduler_) return ReportDecision::Continue;
  if (!extras.curve.empty() && step <= extras.curve.back().first) return extras.stopped ? ReportDecision::Stop : ReportDecision::Continue;
  bool go_on = scheduler_->on_trial_report(job, step, internal(loss)) == scheduling::Decision::Continue;
  extras.curve.emplace_back(step, loss);
  if (!go_on && model_keeps_going(it->second)) {
    scheduler_->keep_going(job);
    go_on = true;
  }
  extras.stopped = !go_on;
  RungReport report{job, step, loss, go_on};
  records_.reports.push_back(report);
  out.emplace_back(action::JournalReport{std::move(report)});
  return go_on ? ReportDecision::Continue : ReportDecision::Stop;
}

bool TunerState::model_keeps_going(const InFlight& trial) const {
  const double threshold = study_.fidelity->keep_probability;
  // best_loss_: the best full-length loss so far (a stopped trial's record is not "ok").
  if (!forecast_ || threshold <= 0.0 || !best_loss_) return false;
  const double p = forecast_->probability_better(trial.proposal.params, trial.extras.curve, *best_loss_);
  if (p < threshold) return false;
  spdlog::info("{} goes on at step {}: the model gives it {:.2f} to beat the best full-length loss {:.4g}",
               trial.proposal.job, trial.extras.curve.back().first, p, *best_loss_);
  return true;
}

std::int64_t TunerState::steps_used() const {
  if (!study_.fidelity) return 0;
  std::int64_t steps = finished_steps_;
  for (const auto& [job, f] : inflight_)
    if (!f.extras.curve.empty()) steps += f.extras.curve.back().first;
  return steps;
}

bool TunerState::steps_budget_spent() const {
  return study_.fidelity && study_.fidelity->budget_steps && steps_used() >= *study_.fidelity->budget_steps;
}

action::RequestProposal TunerState::request_for(int count) const {
  action::RequestProposal request;
  request.count = count;
  request.round = round_;
  // In the journal's order, so that the same history always gives the engine the same input.
  for (const auto& p : records_.proposals)
    if (inflight_.count(p.job)) request.pending.push_back(p.params);
  if (study_.fidelity) {
    // One fidelity for the model; at least d + 2 trials there before it moves up a level.
    const int min_points = std::max(4, static_cast<int>(study_.space.size()) + 2);
    // Without stopping (scheduler "none") every trial runs to step_max: the model sees that
    // level alone, as it does without [fidelity] (full-length qEI, the benchmarks' baseline).
    const auto input = study_.fidelity->scheduler == scheduling::SchedulerKind::None ? scheduling::ModelInput::Rung
                                                                                     : study_.fidelity->model_input;
    request.evaluations =
        fidelity_model_view(records_.evaluations, levels_, study_.fidelity->step_max, min_points, input,
                            scheduling::effective_eta(*study_.fidelity))
            .records;
  } else {
    request.evaluations = records_.evaluations;
  }
  return request;
}

std::vector<Proposal> TunerState::in_flight_proposals() const {
  std::vector<Proposal> proposals;
  for (const auto& [job, f] : inflight_) proposals.push_back(f.proposal);
  return proposals;
}

const JobExtras* TunerState::extras(const std::string& job) const {
  auto it = inflight_.find(job);
  return it == inflight_.end() ? nullptr : &it->second.extras;
}

std::optional<EvaluationRecord> TunerState::best() const {
  if (!best_index_) return std::nullopt;
  return records_.evaluations[*best_index_];
}

// Slots a new point may take now: `batch` running (plus `queue_ahead` waiting at the broker in
// async mode; in sync mode only once the whole batch is back), within the budget.
int TunerState::free_slots() const {
  const int running = static_cast<int>(inflight_.size());
  if (study_.mode == ProposalMode::Sync && running > 0) return 0;
  const int slots = study_.batch + (study_.mode == ProposalMode::Async ? study_.queue_ahead : 0);
  const int left = study_.budget - budget_used() - running;
  if (steps_budget_spent() || confirming_) return 0;  // budget_steps: what runs may finish, nothing new starts
  return std::max(0, std::min(slots - running, left));
}

void TunerState::schedule(double now, Actions& out) {
  if (done_) return;
  if (!stop_reason_.empty()) {
    if (confirming_) {  // the re-evaluations run to their end
      if (inflight_.empty()) finish(out);
      return;
    }
    for (const auto& [job, f] : inflight_) out.emplace_back(action::Cancel{job});
    inflight_.clear();
    if (!start_confirmations(now, out)) finish(out);
    return;
  }
  // Retries first: they need no proposal.
  int free = free_slots();
  while (free > 0 && !retries_.empty()) {
    auto [params, retry] = std::move(retries_.front());
    retries_.erase(retries_.begin());
    launch({next_job_id(), std::move(params), now, retry, {}}, now, out);
    --free;
  }
  if (free > 0 && !outstanding_ && !starved_) {
    action::RequestProposal request = request_for(std::min(free, kMaxProposalCount));
    request.id = next_request_id_++;
    ++round_;
    outstanding_ = request.id;
    outstanding_count_ = request.count;
    out.emplace_back(std::move(request));
    return;
  }
  if (inflight_.empty() && !outstanding_) {
    if (confirming_) {
      stop_reason_ = "confirmed";  // resumed after the end's re-evaluations were launched
    } else if (budget_used() >= study_.budget || steps_budget_spent()) {
      stop_reason_ = "budget";
    } else if (starved_) {
      spdlog::warn("the search space has no unevaluated points left");
      stop_reason_ = "exhausted";
    } else {
      return;
    }
    if (!start_confirmations(now, out)) finish(out);
  }
}

bool TunerState::start_confirmations(double now, Actions& out) {
  if (confirming_ || study_.stop.confirm <= 0 || !ends_with_confirmation(stop_reason_)) return false;
  confirming_ = true;
  for (std::size_t index : confirmation_candidates(records_.evaluations, study_, study_.stop.confirm)) {
    const EvaluationRecord& original = records_.evaluations[index];
    launch({next_job_id(), original.params, now, 0, original.job}, now, out);
  }
  if (!inflight_.empty())
    spdlog::info("re-evaluating the {} best points once more ([stop] confirm)", inflight_.size());
  return !inflight_.empty();
}

void TunerState::launch(Proposal proposal, double now, Actions& out) {
  out.emplace_back(action::Journal{proposal});  // on disk before it is submitted
  records_.proposals.push_back(proposal);
  auto& f = inflight_[proposal.job];
  f = InFlight{std::move(proposal), false, now, {}};
  if (scheduler_ && f.proposal.confirms.empty()) f.extras.rungs = scheduler_->on_trial_add(f.proposal.job, ordinal_++);
  submit(f, now, out);
}

void TunerState::submit(InFlight& f, double now, Actions& out) {
  out.emplace_back(action::Submit{f.proposal, study_.fidelity ? study_.fidelity->step_max : 0, f.extras.rungs});
  f.acked = false;
  f.sent_at = now;
}

EvaluationRecord TunerState::record_of(const InFlight& f, const JobOutcome& o) const {
  EvaluationRecord r;
  r.index = static_cast<int>(records_.evaluations.size());
  r.job = o.job;
  r.params = f.proposal.params;
  r.retry = f.proposal.retry;
  r.confirms = f.proposal.confirms;
  r.worker = o.worker;
  r.proposed_at = f.proposal.proposed_at;
  r.started_at = o.started_at;
  r.finished_at = o.finished_at;
  r.metrics = o.metrics;
  r.curve = o.curve.empty() ? f.extras.curve : o.curve;
  if (o.ok && o.stopped_at > 0) {
    r.status = "stopped";  // ended early by the scheduler: its loss is the last it reported
    r.stopped_at = o.stopped_at;
    if (std::isfinite(o.loss)) r.loss = o.loss;
  } else if (o.ok && !study_.objective_metric.empty()) {
    // The study optimises a reported metric: it becomes the record's loss (the value the model and
    // the direction see) and the reported loss is kept beside the other metrics.
    const auto metric = o.metrics.find(study_.objective_metric);
    if (!r.metrics.count("loss")) r.metrics["loss"] = o.loss;
    if (metric == o.metrics.end() || !std::isfinite(metric->second)) {
      r.status = "failed";
      r.failure = "objective";
      r.error = metric == o.metrics.end()
                    ? "the result has no metric '" + study_.objective_metric + "' (the study's objective_metric)"
                    : "metric '" + study_.objective_metric + "' (the study's objective_metric) is not finite";
    } else {
      r.loss = metric->second;
    }
  } else if (o.ok && std::isfinite(o.loss)) {
    r.loss = o.loss;
  } else {
    r.status = "failed";
    r.failure = o.ok ? "objective" : o.failure;
    r.error = o.ok ? "non-finite loss" : o.error;
  }
  return r;
}

void TunerState::note_record(std::size_t index) {
  const EvaluationRecord& r = records_.evaluations[index];
  recorded_jobs_.insert(r.job);
  if (!r.confirms.empty()) {  // a re-evaluation at the end: neither budget nor best nor a streak
    ++confirmations_recorded_;
    if (r.failed()) ++failed_;
    return;
  }
  if (r.failed()) {
    ++failed_;
    const std::string error = (r.failure.empty() ? "" : r.failure + ": ") + r.error;
    failure_streak_ = error == streak_error_ ? failure_streak_ + 1 : 1;
    streak_error_ = error;
  } else {
    failure_streak_ = 0;
    streak_error_.clear();
  }
  if (study_.fidelity) finished_steps_ += r.steps_run(study_.fidelity->step_max);
  if (r.ok() && (!best_loss_ || study_.better(*r.loss, *best_loss_))) {
    best_loss_ = r.loss;
    best_index_ = index;
    last_improvement_ = static_cast<int>(index + 1);
  }
}

void TunerState::check_stopping_rules(double now) {
  if (!stop_reason_.empty()) return;
  const int n = static_cast<int>(records_.evaluations.size());
  if (study_.stop.target && best_loss_ &&
      (*best_loss_ == *study_.stop.target || study_.better(*best_loss_, *study_.stop.target))) {
    stop_reason_ = "target";
  } else if (study_.stop.patience && n - last_improvement_ >= *study_.stop.patience) {
    stop_reason_ = "patience";
  } else if (study_.stop.max_seconds && now - started_at_ >= *study_.stop.max_seconds) {
    stop_reason_ = "max_seconds";
  } else if (study_.stop.max_failures_in_a_row > 0 && failure_streak_ >= study_.stop.max_failures_in_a_row) {
    stop_reason_ = "failures";
    spdlog::error("{} evaluations in a row failed with the same error: {}; the study stops (fix the objective and run "
                  "again; [stop] max_failures_in_a_row = {}, 0 turns this off)",
                  failure_streak_, streak_error_, study_.stop.max_failures_in_a_row);
  }
  if (!stop_reason_.empty()) spdlog::info("stopping rule '{}' met after {} evaluations", stop_reason_, n);
}

void TunerState::finish(Actions& out) {
  done_ = true;
  outstanding_.reset();
  out.emplace_back(action::Done{stop_reason_});
}

bool finished_normally(const std::string& stop_reason) { return stop_reason != "failures" && stop_reason != "signal"; }

bool ends_with_confirmation(const std::string& stop_reason) {
  return stop_reason == "budget" || stop_reason == "target" || stop_reason == "patience" || stop_reason == "exhausted" ||
         stop_reason == "min_qei";
}

std::string TunerState::next_job_id() { return settings_.new_job_id(); }

}  // namespace quante::tuner
