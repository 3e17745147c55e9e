// `quante-tuner list DIR`: the studies whose histories lie in a folder, each with its state and
// best so far, read without a study file and without writing anything (a `run` may be appending).
//
// A history is a file with a journal beside it (HISTORY.journal), or a *.jsonl file. Its state
// comes from the lock file `run` holds (history_lock.hpp):
//   running   a tuner holds HISTORY.lock now (its holder is shown)
//   finished  the last run ended by its budget or a stopping rule (target, patience, ...)
//   stopped   the last run was interrupted (signal), stopped by repeated failures, or ended
//             without saying how (killed): `run` resumes it
//   idle      never run; points handed out by `suggest` and told by `tell` only
// The study's name and direction come from the journal's first line; the best is the best "ok"
// record for that direction.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace quante::tuner {

struct ListedStudy {
  std::string history;              // file name inside the folder
  std::string name;                 // "?" when the journal does not say
  std::string state;                // running, finished, stopped, idle
  std::string detail;               // the holder, or how the last run ended
  int evaluations = 0, ok = 0, failed = 0, pending = 0;
  bool maximize = false;
  std::string metric;               // objective_metric, when the study optimises one
  std::optional<double> best;
  int unreadable_lines = 0;         // lines that are not records (a torn last line, corruption)
};

// Throws std::invalid_argument when `dir` is not a readable folder.
std::vector<ListedStudy> list_studies(const std::string& dir);
void print_study_list(const std::vector<ListedStudy>& studies, std::ostream& out);

}  // namespace quante::tuner
