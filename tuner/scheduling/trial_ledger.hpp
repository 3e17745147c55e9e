// The per-trial bookkeeping the stopping rules share, so that the promises of the Scheduler
// interface hold the same way in each:
// - the first add of an id wins; a second add returns the rungs given the first time;
// - a report is ignored when the trial is unknown, has ended or was stopped, or when its step is
//   not above the last accepted step of that trial (workers re-send, and a resumed run repeats);
// - a NaN or infinite loss (either sign: -inf is a broken objective, not a perfect one) becomes
//   +inf, the worst loss, so it ranks below every finite loss and sorts without surprises;
// - a Stop is final: later reports answer Stop;
// - each rung is reached at most once: an accepted report reaches the highest rung at or below its
//   step that lies above every rung reached before (a report at step 5 with rungs 1, 3, 9 reaches
//   rung 3 and skips rung 1 if the trial had not reported there).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "scheduler.hpp"

namespace quante::tuner::scheduling {

// NaN and +-inf become +inf; finite losses are returned unchanged.
double loss_or_worst(double loss);

struct AcceptedReport {
  double loss;                       // finite, or +inf
  std::optional<std::int64_t> rung;  // the rung this report reaches, if any
};

class TrialLedger {
 public:
  // Registers a trial; returns its rungs (the first registration's for a known id).
  std::vector<std::int64_t> add(const std::string& trial, std::vector<std::int64_t> rungs);
  // nullopt: the report is ignored.
  std::optional<AcceptedReport> accept(const std::string& trial, std::int64_t step, double loss);
  // What an ignored report is answered: Stop once the trial was stopped, else Continue.
  Decision standing(const std::string& trial) const;
  void stop(const std::string& trial);
  // Undoes stop() (Scheduler::keep_going); an ended trial stays ended.
  void resume(const std::string& trial);
  // Ends the trial. Returns the final loss (as loss_or_worst) when one is given, the trial was
  // neither stopped nor ended before, and last_step is above its last accepted step: a real
  // observation at last_step. It reaches no rung: a final loss is not a loss measured at a rung.
  std::optional<double> end(const std::string& trial, std::int64_t last_step, std::optional<double> loss);
  std::vector<std::int64_t> rungs_of(const std::string& trial) const;

 private:
  struct Entry {
    std::vector<std::int64_t> rungs;
    std::size_t next_rung = 0;  // rungs[next_rung..] not reached yet
    std::optional<std::int64_t> last_step;
    bool stopped = false;
    bool ended = false;
  };
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace quante::tuner::scheduling
