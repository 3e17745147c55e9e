#include "ask_tell.hpp"

#include <cmath>
#include <filesystem>
#include <set>

#include "json_params.hpp"
#include "protocol.hpp"
#include "proposal_engine.hpp"
#include "tuner_state.hpp"

namespace quante::tuner {

Suggestion suggest(const Study& study, const std::string& history_path, int q) {
  const bool journal_is_new = !std::filesystem::exists(journal_path(history_path));
  StudyRecords records = load_study_records(history_path, study);
  Suggestion out;
  out.warnings = records.warnings;
  // The same view of the history as `run` takes on resume: jobs proposed and neither recorded nor
  // cancelled are pending, and the round follows the journal.
  const double now = unix_now();
  {
    // Would `run` stop here (a stopping rule met, the budget spent)? Say so, but still answer: the
    // user asked for points.
    TunerState probe(study, records, now);
    Actions ignored;
    probe.start(now, ignored);
    if (probe.done()) out.stop_reason = probe.stop_reason();
  }
  TunerState state(study, std::move(records), now);
  const auto request = state.request_for(q);
  ProposalEngine engine(study);
  auto batch = engine.propose(request.evaluations, request.pending, request.count, request.round);
  out.method = batch.method;
  out.qei = batch.qei;
  StudyLog log(history_path, study, journal_is_new);
  for (auto& point : batch.points) {
    Proposal proposal{protocol::new_job_id(), std::move(point), now, 0};
    log.proposed(proposal);  // on disk before it is printed: a printed point is always pending
    out.points.push_back(std::move(proposal));
  }
  return out;
}

Told tell(const Study& study, const std::string& history_path, const TellInput& input) {
  if (input.loss.has_value() == input.failed.has_value())
    throw TellError("give either --loss or --failed");
  if (input.job.empty() == !input.params.has_value()) throw TellError("give either --job or --params");
  if (input.params)
    if (auto invalid = study.space.validate(*input.params)) throw TellError("--params: " + *invalid);
  const bool journal_is_new = !std::filesystem::exists(journal_path(history_path));
  StudyRecords records = load_study_records(history_path, study);
  Told told;
  told.warnings = records.warnings;

  std::set<std::string> recorded;
  for (const auto& e : records.evaluations) recorded.insert(e.job);
  auto pending = [&](const Proposal& p) { return !recorded.count(p.job) && !records.cancelled.count(p.job); };
  std::optional<Proposal> match;
  if (!input.job.empty()) {
    for (const auto& p : records.proposals)
      if (p.job == input.job) match = p;
    if (!match) throw TellError("job " + input.job + " was never suggested for this history (" + history_path + ")");
    if (recorded.count(input.job)) throw TellError("job " + input.job + " already has a result in " + history_path);
    if (records.cancelled.count(input.job)) throw TellError("job " + input.job + " was cancelled");
  } else {
    const std::string key = study.space.key(*input.params);
    for (const auto& p : records.proposals)  // the oldest pending one with these parameters
      if (pending(p) && study.space.key(p.params) == key) {
        match = p;
        break;
      }
  }

  StudyLog log(history_path, study, journal_is_new);
  const double now = unix_now();
  if (!match) {
    // A point the user chose: journal it as proposed, so the records stay as `run` keeps them.
    match = Proposal{protocol::new_job_id(), *input.params, now, 0, {}};
    log.proposed(*match);
    records.proposals.push_back(*match);
    told.suggested = false;
  }

  // Points handed out and still without a result once this one is recorded (a retry the state
  // would queue for a failure is not handed out until the next `suggest`).
  for (const auto& p : records.proposals)
    if (p.job != match->job && pending(p)) ++told.pending;
  TunerState state(study, std::move(records), now);
  JobOutcome outcome;
  outcome.job = match->job;
  outcome.ok = input.loss.has_value();
  outcome.loss = input.loss.value_or(0);
  outcome.error = input.failed.value_or("");
  outcome.failure = "objective";
  outcome.metrics = input.metrics;
  outcome.worker = "tell";
  outcome.started_at = match->proposed_at;
  outcome.finished_at = now;
  Actions actions;
  state.on_result(outcome, now, actions);
  // Only the record is carried out: what else the state would do (propose, retry, cancel) is for
  // the next `suggest` to decide from the files.
  for (const auto& action : actions)
    if (const auto* record = std::get_if<action::RecordResult>(&action)) {
      log.finished(record->record);
      told.record = record->record;
    }
  return told;
}

}  // namespace quante::tuner
