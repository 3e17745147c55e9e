// Learning curves in a study's history, for `quante-tuner report`: what early stopping saved, and
// the curves' plot (one polyline per trial, drawn by svg_plot).
//
// Step accounting. A trial's steps are EvaluationRecord::steps_run(step_max): its curve's last
// step, else step_max for an "ok" trial that reported no curve (else stopped_at, else 0). The
// full-length figure is what the same trials would have used had none been stopped: every stopped
// trial counted at step_max, every other trial at the steps it ran. A failed trial is counted at
// what it ran on both sides, because running it longer would not have made it succeed; so the
// saving is what the scheduler saved and nothing else. With no failed trial and every ok trial at
// step_max, the full-length figure is trials x step_max.
//
// step_max is the study's [fidelity] step_max; a study without [fidelity] whose trials still
// report curves uses the longest curve of an ok trial (else of any trial) instead.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "history.hpp"
#include "study.hpp"

namespace quante::tuner {

struct StepAccount {
  int ok = 0, stopped = 0, failed = 0;
  std::int64_t step_max = 0;
  bool step_max_from_study = true;            // false: inferred from the longest curve
  std::int64_t consumed = 0;                  // sum of steps_run
  std::int64_t full_length = 0;               // the same trials, none stopped
  std::map<std::int64_t, int> stopped_at;     // stop step -> stopped trials
  std::optional<std::int64_t> budget_steps;   // the study's, when set

  std::int64_t saved() const { return full_length - consumed; }
  // saved / full_length; nullopt when full_length is 0.
  std::optional<double> saved_fraction() const;
};

// Whether the report has steps to account for: the study has [fidelity] or a record has a curve.
bool has_learning_curves(const Study& study, const std::vector<EvaluationRecord>& records);

// nullopt when has_learning_curves() is false.
std::optional<StepAccount> account_steps(const Study& study, const std::vector<EvaluationRecord>& records);

// The self-contained SVG of every curve: ok trials in blue, stopped trials in grey ending in a dot
// at their stop, failed trials in light red, the best trial (best_record over ok ones) in red on
// top. Non-finite points are left out. Element classes: curve-ok, curve-stopped, curve-failed,
// curve-best (one polyline per trial with a finite point), curve-*-end (the stop markers).
std::string learning_curves_svg(const Study& study, const std::vector<EvaluationRecord>& records);

// Whether learning_curves_svg() has anything to draw: some record's curve has a finite point.
bool any_curve(const std::vector<EvaluationRecord>& records);

}  // namespace quante::tuner
