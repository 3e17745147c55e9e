// `quante-tuner suggest` and `quante-tuner tell`: the tuner as a microservice, for a user who runs
// evaluations themselves (a notebook, a cluster the farm does not reach). `suggest` proposes the
// next points and journals each as proposed (HISTORY.journal, as `run` journals what it submits),
// so they are pending: a second `suggest` proposes others, and `tell` records a result against
// one of them, found by its job id or by its parameters. Both are shells around TunerState, so a
// told result is recorded by the rules `run` uses (objective_metric, non-finite losses, failure
// classes) and a history may pass from one to the other: `run` on a history with points handed
// out and never told evaluates them itself.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "history.hpp"
#include "study.hpp"

namespace quante::tuner {

// Refused input to `tell` (unknown job, a point already told, bad --params): the message says
// which, and the command exits 2.
class TellError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct Suggestion {
  std::vector<Proposal> points;       // journalled as proposed, pending until told
  std::string method;                 // "initial", "qei", ...
  std::optional<double> qei;
  std::vector<std::string> warnings;  // torn lines dropped while loading
  std::string stop_reason;            // non-empty when a stopping rule is already met (points still given)
};

Suggestion suggest(const Study& study, const std::string& history_path, int q);

struct TellInput {
  std::string job;                        // the job id `suggest` printed, or
  std::optional<Params> params;           // the point (a point never suggested is journalled first)
  std::optional<double> loss;             // a result, or
  std::optional<std::string> failed;      // why the evaluation failed
  std::map<std::string, double> metrics;
};

struct Told {
  EvaluationRecord record;                // as written to the history
  bool suggested = true;                  // false: the point was not one `suggest` handed out
  int pending = 0;                        // points handed out and not told yet
  std::vector<std::string> warnings;
};

Told tell(const Study& study, const std::string& history_path, const TellInput& input);

}  // namespace quante::tuner
