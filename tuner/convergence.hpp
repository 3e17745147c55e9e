// A study's convergence: the best loss so far after each successful evaluation, against the
// evaluation index and against the time elapsed since the study's first proposal, and its plot
// (two stacked panels drawn by svg_plot: a step line for the best so far over faint dots, one per
// evaluation). "Best" follows the study's direction: the running minimum when minimizing, the
// running maximum when maximizing. Failed evaluations have no loss and are skipped; they still
// count towards the elapsed time of those after them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "history.hpp"
#include "study.hpp"

namespace quante::tuner {

// First proposal (or, where a record has no proposal time, its start or finish) to last finish,
// in Unix seconds, over all records; nullopt when no record carries a time.
struct TimeSpan {
  double first = 0, last = 0;
  double seconds() const { return last - first; }
};
std::optional<TimeSpan> time_span(const std::vector<EvaluationRecord>& records);

struct ConvergencePoint {
  int index = 0;                       // the record's index
  std::optional<double> elapsed_s;     // finished_at - first time; nullopt when not recorded
  double loss = 0;                     // this evaluation's loss
  double best = 0;                     // the best loss of this and every earlier evaluation
};

// One point per ok record, in index order.
std::vector<ConvergencePoint> convergence(const Study& study, const std::vector<EvaluationRecord>& records);

// The loss axis: Auto (linear, symlog when the losses span three decades or more), Linear, or
// Log (symlog at any span: logarithmic for every non-zero loss, still defined at 0 and below).
enum class LossAxis { Auto, Linear, Log };

// The self-contained SVG document of the plot.
std::string convergence_svg(const Study& study, const std::vector<EvaluationRecord>& records,
                            LossAxis axis = LossAxis::Auto);

}  // namespace quante::tuner
