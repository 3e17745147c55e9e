// `quante-tuner report STUDY.toml --history FILE`: what a study has found so far, read from its
// history (and checked against the study by its journal): counts, the best point, a top-k table,
// per-parameter summaries, throughput; plus a convergence plot (SVG, tuner/convergence.*) and,
// on request, the whole history as CSV (tuner/csv_export.*). A study with [fidelity] or trials
// that report learning curves also gets the steps early stopping saved and a plot of the curves
// (tuner/learning_curves.*); the best trial is always one that ran to full length ("ok").
//
// summarize() and print_report() are pure, for tests; run_report() is the command: it loads the
// files, prints, writes the plot and the CSV, and returns the process's exit code.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "confirmation.hpp"
#include "history.hpp"
#include "learning_curves.hpp"
#include "study.hpp"

namespace quante::tuner {

struct ReportOptions {
  std::string study_path, history_path;
  int top = 10;               // rows of the top-k table (and the set the per-parameter means are over)
  std::string plot_path;      // default HISTORY.convergence.svg; "none": no plot
  std::string curves_path;    // default HISTORY.curves.svg; "none": no plot; written only when a trial has a curve
  std::string csv_path;       // empty: no CSV
  std::string html_path;      // empty: no HTML report (html_report.hpp)
};

struct ChoiceSummary {
  std::string choice;
  int evaluations = 0;                // every evaluation of this choice, failed ones included
  int ok = 0;
  std::optional<double> best_loss;    // best for the study's direction, over the ok ones
  std::optional<double> mean_loss;
};

struct ParamSummary {
  ParamSpec spec;
  // Float and Int: the range explored (over every evaluation, failed ones included), the value at
  // the best point, and the mean over the top-k ok evaluations: a geometric mean for a log-scaled
  // parameter (the scale it is searched on), else an arithmetic one.
  std::optional<double> explored_low, explored_high, at_best, top_mean;
  bool top_mean_geometric = false;
  // Categorical: one entry per choice, in the space's order.
  std::optional<std::string> choice_at_best;
  std::vector<ChoiceSummary> choices;
};

struct ReportData {
  std::string study_name, objective;
  Direction direction = Direction::Minimize;
  int evaluations = 0, ok = 0, stopped = 0, failed = 0;   // stopped: ended early by the scheduler
  std::map<std::string, int> failed_by_class;   // failure class ("objective", "timeout", ...; "unclassified")
  std::optional<StepAccount> steps;             // when the study has [fidelity] or a trial has a curve
  std::optional<EvaluationRecord> best;
  // Named by name_best_record (named_best.hpp): where the study's GP infers noise, best is the
  // evaluation with the lowest posterior mean, this mean in loss units; noise_variance in
  // standardized losses.
  std::optional<double> best_posterior_mean;
  std::optional<double> noise_variance;
  std::optional<ConfirmedBest> confirmed;       // [stop] confirm: best by the mean of its evaluations
  int top_k = 0;                                // as asked
  std::vector<EvaluationRecord> top;            // best first; ties keep index order
  std::vector<ParamSummary> params;             // in the space's order
  std::vector<std::string> metrics;             // names of the metrics any record reports, sorted
  std::string objective_metric;                 // the study's, when it optimises a metric (then "loss" is it)
  std::optional<double> first_time, last_time;  // first proposed_at, last finished_at (Unix seconds)
  std::optional<double> elapsed_s;              // last_time - first_time
  std::optional<double> evaluations_per_hour;   // evaluations / elapsed, when elapsed > 0
};

ReportData summarize(const Study& study, const std::vector<EvaluationRecord>& records, int top);
void print_report(const ReportData& data, std::ostream& out);

// "2025-11-27 19:00:00 UTC"; "1h 02m 03s" / "42.5 s".
std::string format_time(double unix_seconds);
std::string format_duration(double seconds);

// The plot paths run_report() writes when none is given.
std::string default_plot_path(const std::string& history_path);
std::string default_curves_path(const std::string& history_path);

// 0: printed (and written); 2: bad study file or history (the message on `err`); 1: a plot or CSV
// file could not be written.
int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace quante::tuner
