// The tuner's scheduling as a state machine free of I/O, in the shape of the broker's
// BrokerState: it takes events (a proposal finished, a job's result, a submit acknowledged, the
// broker restarted, a stop, the passing of time) with the time passed in, and appends the actions
// that the shell must carry out, in order. It owns the study's records, the jobs in flight,
// retries of failed points, de-duplication by job id, the budget, the stopping rules, resume and
// best tracking. It never touches a socket, a clock, a thread or a file: `quante-tuner run`
// (study_runner.cpp), `quante-tuner suggest` (main.cpp) and quante::carlo (local_run.cpp) are
// shells around it, so the three share one set of rules.
//
// Ordering contract for the shell: actions are carried out in the order they are appended.
// - Journal{p} always comes before the first Submit{p} of the same job: the proposal must be on
//   disk (fsynced) before it is sent, or a tuner killed in between would lose track of a job the
//   broker runs. A re-submit (broker restart, no acknowledgement) is a Submit alone.
// - RecordResult{r} always comes before Ack{r.job}: the broker may forget a result only once it
//   would survive a crash of the tuner.
// - Cancel{job}: the shell journals the cancellation and then tells the broker.
// - Done{reason} is last; the state takes no further events after it (they append nothing).
//
// At most one proposal is outstanding at any time: a RequestProposal is answered by
// on_proposal() with the same id (a late answer to an abandoned request is ignored).
//
// Early stopping and multi-fidelity (a study with [fidelity]): each new trial is given its rungs
// by the scheduler (scheduling/: ASHA, asynchronous Hyperband, the median rule), submitted with
// them and step_max; on_report() takes a rung report, asks the scheduler, and emits a
// JournalReport (on disk before the decision is sent) and the decision; a trial the tuner
// stopped comes back as a "stopped" record with its curve. Proposals then see the losses at one
// fidelity (fidelity_model_view.hpp). Resume replays the journal's proposals and reports and the
// history's results into a new scheduler, so its rung tables are as they were.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "history.hpp"
#include "proposal_engine.hpp"
#include "scheduler.hpp"
#include "study.hpp"

namespace quante::tuner {

// A job's outcome as the shell learnt it (from the broker, or from a local thread), independent
// of the wire protocol.
struct JobOutcome {
  std::string job;
  bool ok = false;
  double loss = 0;
  std::string error;
  std::string failure;                  // failure class when !ok: "objective", "timeout", ...
  double started_at = 0, finished_at = 0;
  std::map<std::string, double> metrics;
  std::string worker;
  std::vector<std::pair<std::int64_t, double>> curve;  // as the worker recorded it
  std::int64_t stopped_at = 0;                         // the step the tuner stopped it at; 0: ran its course
};

namespace action {
// Ask the proposal engine for `count` new points given the `pending` ones; answer with
// on_proposal(id, ...). `round` makes successive proposals draw differently (deterministically).
struct RequestProposal {
  std::uint64_t id = 0;
  int count = 0;
  std::vector<Params> pending;
  std::uint64_t round = 0;
  std::vector<EvaluationRecord> evaluations;    // what the model sees (one fidelity, with [fidelity])
};
struct Journal { Proposal proposal; };          // append to the journal, fsync
struct Submit {                                 // send to the broker (or queue locally)
  Proposal proposal;
  std::int64_t max_steps = 0;                   // [fidelity] step_max; 0 without
  std::vector<std::int64_t> rungs;              // where the tuner decides go on / stop
};
struct JournalReport { RungReport report; };    // append to the journal, fsync, then send the decision
struct RecordResult { EvaluationRecord record; };  // append to the history, fsync
struct Ack { std::string job; };                // tell the broker it may forget the result
struct Cancel { std::string job; };             // journal the cancellation, then tell the broker
struct Done { std::string reason; };            // "budget", "target", "patience", "max_seconds",
                                                // "min_qei", "exhausted", "signal", "failures"
}  // namespace action

using Action = std::variant<action::RequestProposal, action::Journal, action::Submit, action::RecordResult,
                            action::Ack, action::Cancel, action::Done, action::JournalReport>;
using Actions = std::vector<Action>;

// Per-job data for early stopping and multi-fidelity.
struct JobExtras {
  std::vector<std::pair<std::int64_t, double>> curve;   // (step, loss) of its rung reports
  std::vector<std::int64_t> rungs;                      // given by the scheduler at launch
  bool stopped = false;                                 // told to stop at its last report
  std::uint32_t attempt = 0;                            // the newest attempt heard from
};

enum class ReportDecision { Continue, Stop };

// What a result turned out to be (the shell logs unknown ones, rate-limited).
enum class ResultKind { Recorded, Duplicate, Unknown };

struct TunerStateSettings {
  // A submission the broker has not acknowledged after this long is sent again (the broker
  // de-duplicates by job id). Seconds of the `now` passed in.
  double resubmit_after_s = 3.0;
  // Job ids for new proposals; unique across runs of the study (resume keeps old ids).
  std::function<std::string()> new_job_id;   // empty: protocol::new_job_id
};

class TunerState {
 public:
  // At most this many points are asked of the engine at once (the batch optimizer's q); more
  // free slots are filled by the next request. Study files are refused above it too.
  static constexpr int kMaxProposalCount = kMaxBatch;

  // `resumed`: what the history and journal hold (empty for a new study). Jobs proposed but
  // neither recorded nor cancelled are in flight again; failed points whose retry was not yet
  // proposed are queued for retry.
  TunerState(Study study, StudyRecords resumed, double now, TunerStateSettings settings = {});

  // The first actions: re-submits of the jobs in flight, the stopping rules, the first proposal.
  void start(double now, Actions& out);
  void on_proposal(std::uint64_t request_id, ProposalBatch batch, double now, Actions& out);
  // A result for a job in flight is recorded (RecordResult, then Ack); one for a job already
  // recorded (at-least-once delivery) or unknown is only acknowledged.
  ResultKind on_result(const JobOutcome& outcome, double now, Actions& out);
  void on_submit_ack(const std::string& job, bool accepted, double now, Actions& out);
  // The broker lost its memory (a new epoch): everything in flight is submitted again.
  void on_broker_restart(double now, Actions& out);
  // SIGTERM and the like: Done{"signal"} at once; jobs in flight stay in the journal (not
  // cancelled), so the next run resumes them.
  void on_stop(double now, Actions& out);
  // The passage of time: max_seconds, re-submits of unacknowledged jobs.
  void tick(double now, Actions& out);
  // A rung report of a running job: the scheduler decides; JournalReport comes first in `out`
  // and the shell sends the decision after carrying it out. A report of a job not in flight (a
  // late one, or after a stop), or of an attempt older than one already heard from (its worker
  // was lost and the job runs again), hears Stop and changes nothing. A new attempt's reports at
  // steps already decided get the decision that stands (the same configuration was measured
  // there); it is asked afresh only past them.
  ReportDecision on_report(const std::string& job, std::uint32_t attempt, std::int64_t step, double loss, double now,
                           Actions& out);
  // Steps run so far: finished trials' steps and the last rung report of each one in flight.
  std::int64_t steps_used() const;

  // What to ask the engine for `count` points now, given what is in flight (for `suggest`). Does
  // not change the state.
  action::RequestProposal request_for(int count) const;

  const Study& study() const { return study_; }
  const StudyRecords& records() const { return records_; }
  const std::vector<EvaluationRecord>& evaluations() const { return records_.evaluations; }
  int in_flight() const { return static_cast<int>(inflight_.size()); }
  bool is_in_flight(const std::string& job) const { return inflight_.count(job) > 0; }
  std::vector<Proposal> in_flight_proposals() const;
  const JobExtras* extras(const std::string& job) const;
  int failed() const { return failed_; }
  int duplicates() const { return duplicates_; }
  int retries_waiting() const { return static_cast<int>(retries_.size()); }
  std::optional<EvaluationRecord> best() const;
  bool proposal_outstanding() const { return outstanding_.has_value(); }
  bool done() const { return done_; }
  const std::string& stop_reason() const { return stop_reason_; }
  double started_at() const { return started_at_; }
  // The evaluations at the end of the records that failed in a row with the same error, and that
  // error ("class: reason"); [stop] max_failures_in_a_row ends the study when it is reached.
  int failure_streak() const { return failure_streak_; }
  const std::string& repeated_error() const { return streak_error_; }

 private:
  struct InFlight {
    Proposal proposal;
    bool acked = false;
    double sent_at = 0;
    JobExtras extras;
  };

  void schedule(double now, Actions& out);
  // [fidelity] keep_probability: true when the newest forecast gives the trial, with the curve
  // it reported, at least that probability of beating the best full-length loss so far.
  bool model_keeps_going(const InFlight& trial) const;
  int free_slots() const;
  // Evaluations that count against `budget`: every record but the end's re-evaluations.
  int budget_used() const { return static_cast<int>(records_.evaluations.size()) - confirmations_recorded_; }
  // [stop] confirm: after a normal end, launches the re-evaluations of the best points; true when
  // some were launched (the study then ends when they are back).
  bool start_confirmations(double now, Actions& out);
  void launch(Proposal proposal, double now, Actions& out);
  void submit(InFlight& job, double now, Actions& out);
  EvaluationRecord record_of(const InFlight& job, const JobOutcome& outcome) const;
  // Counts records_.evaluations[index] (failures, steps, best, known jobs); at start-up for each
  // resumed record, then for each new one.
  void note_record(std::size_t index);
  void check_stopping_rules(double now);
  void finish(Actions& out);
  std::string next_job_id();
  bool steps_budget_spent() const;
  double internal(double loss) const;  // what the scheduler minimises (NaN stays NaN)
  void replay_into_scheduler();
  void complete_in_scheduler(const EvaluationRecord& record);

  Study study_;
  TunerStateSettings settings_;
  StudyRecords records_;
  std::map<std::string, InFlight> inflight_;        // by job id
  std::vector<std::pair<Params, int>> retries_;    // points to evaluate again, with their retry number
  std::set<std::string> recorded_jobs_;
  std::optional<std::uint64_t> outstanding_;        // the id of the proposal asked for
  int outstanding_count_ = 0;                       // and how many points it asked for
  std::uint64_t next_request_id_ = 1;
  std::uint64_t round_ = 0;
  // The last proposal gave fewer points than asked (the space is running out): ask again only
  // once a result changes the picture, instead of spinning on proposals.
  bool starved_ = false;
  bool confirming_ = false;          // the end's re-evaluations were launched (journal: "confirms")
  int confirmations_recorded_ = 0;
  int failed_ = 0;
  int duplicates_ = 0;
  int last_improvement_ = 0;                        // evaluations when the best last improved
  std::optional<double> best_loss_;
  std::optional<std::size_t> best_index_;
  double started_at_ = 0;
  std::string stop_reason_;
  bool done_ = false;
  std::unique_ptr<scheduling::Scheduler> scheduler_;  // with [fidelity]
  std::shared_ptr<const FinalLossForecast> forecast_;  // the newest joint model's, if any
  std::vector<std::int64_t> levels_;                   // the rungs of step_min, step_max, eta
  std::uint64_t ordinal_ = 0;                          // trials added to the scheduler
  std::int64_t finished_steps_ = 0;                    // steps run by the recorded trials
  int failure_streak_ = 0;
  std::string streak_error_;
};

// "failures" (max_failures_in_a_row) is a stop for want of a working objective; the others end
// a study that ran as asked ("signal": interrupted, resumable).
bool finished_normally(const std::string& stop_reason);
// The ends after which [stop] confirm re-evaluates the best points (not a signal, a failure
// streak or max_seconds: the user wants the study over).
bool ends_with_confirmation(const std::string& stop_reason);

// Best ok record for the study's direction.
std::optional<EvaluationRecord> best_record(const Study& study, const std::vector<EvaluationRecord>& records);

}  // namespace quante::tuner
