// The study's history (ARCHITECTURE.md): one JSON line per finished evaluation, appended and
// fsynced as results arrive; and the proposal journal beside it (HISTORY.journal), which records
// the study's identity and every proposed point before it is submitted. Together they let a
// tuner killed at any instant resume without losing or repeating an evaluation.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "durable_log.hpp"
#include "params.hpp"
#include "study.hpp"

namespace quante::tuner {

struct EvaluationRecord {
  int index = 0;                    // 0, 1, 2, ... in order of arrival
  std::string job;
  Params params;
  std::optional<double> loss;       // the objective's value as reported (null when failed); for a
                                    // stopped trial its last reported loss (null if not finite)
  std::string status = "ok";        // "ok", "failed", or "stopped" (ended early by the scheduler)
  std::string error;                // why it failed
  std::string failure;              // failure class when failed ("objective", "timeout", ...)
  std::string worker;
  double proposed_at = 0, started_at = 0, finished_at = 0;
  std::map<std::string, double> metrics;
  int retry = 0;                    // 0 for a first evaluation, n for the n-th retry of a point
  std::vector<std::pair<std::int64_t, double>> curve;  // the learning curve it reported, if any
  std::int64_t stopped_at = 0;      // the step at which the scheduler stopped it (status "stopped")
  std::string confirms;             // a re-evaluation of this job's point at the study's end ([stop] confirm)

  bool ok() const { return status == "ok"; }          // ran its course with a finite loss
  bool failed() const { return status == "failed"; }
  bool stopped() const { return status == "stopped"; }
  // The last step it ran: the curve's end, else step_max for a full-length trial that reported nothing.
  std::int64_t steps_run(std::int64_t step_max) const;
};

nlohmann::json to_json(const EvaluationRecord& record);
// Reads a history line; the error names the field.
std::optional<EvaluationRecord> record_from_json(const nlohmann::json& json, std::string* error);

struct Proposal {
  std::string job;
  Params params;
  double proposed_at = 0;
  int retry = 0;
  std::string confirms;  // the job whose point this re-evaluates ([stop] confirm); empty for a new point
};

// A rung report and the scheduler's decision on it, journalled before the decision is sent so
// that a restarted tuner rebuilds its rung tables exactly.
struct RungReport {
  std::string job;
  std::int64_t step = 0;
  double loss = 0;                          // as reported (may be NaN: a diverging run)
  bool go_on = true;
};

// What a history and its journal hold for a study, checked against it.
struct StudyRecords {
  std::vector<EvaluationRecord> evaluations;
  std::vector<Proposal> proposals;          // in order
  std::map<std::string, bool> cancelled;    // job ids cancelled without a result
  std::vector<RungReport> reports;          // in order
  // Torn last lines dropped while loading ("FILE:LINE: ..."), for the command to show.
  std::vector<std::string> warnings;
};

// Loads HISTORY and HISTORY.journal (either may be missing). Throws HistoryError (durable_log.hpp)
// with a message naming the file and line when they belong to another study (other objective,
// direction, space or objective_metric) or a line is malformed.
StudyRecords load_study_records(const std::string& history_path, const Study& study);

std::string journal_path(const std::string& history_path);

// Appends to both files; writes the journal's identity line on first use.
class StudyLog {
 public:
  StudyLog(const std::string& history_path, const Study& study, bool journal_is_new);
  void proposed(const Proposal& proposal);
  void cancelled(const std::string& job);
  void reported(const RungReport& report);
  void finished(const EvaluationRecord& record);

 private:
  DurableLog history_;
  DurableLog journal_;
};

}  // namespace quante::tuner
