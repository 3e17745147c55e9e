// A study's history as CSV (RFC 4180), for spreadsheets and pandas: one row per evaluation, in
// index order, with each parameter in its own column in the study's space order:
//   index,job,status,loss,<param...>,worker,proposed_at,started_at,finished_at,error,stopped_at,curve,<metric...>
// with one column per metric any record reports (sorted by name; empty where a record lacks it;
// "metric:NAME" when NAME is already a column, as "loss" is under objective_metric).
// Reals are written in their shortest round-trip form, times as Unix seconds, a missing loss
// (failed evaluation) or parameter as an empty field. A field is quoted when it holds a comma, a
// double quote, a line break or leading/trailing space; quotes inside are doubled. Lines end in
// CRLF as the RFC asks (every CSV reader accepts it).
//
// status is ok, failed or stopped (ended early by the scheduler; its loss is the last it
// reported); stopped_at is the step it was stopped at, empty otherwise. curve is the learning
// curve as reported, in one cell: "step:loss;step:loss;..." ("1:0.91;2:0.52;3:0.40"), a diverged
// loss as "nan", empty when none was reported; split on ';' then ':' to read it back (pandas:
// str.split). Workers thin a curve to 1000 points, which keeps the cell under a spreadsheet's
// 32767 characters for losses of usual length.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "history.hpp"
#include "study.hpp"

namespace quante::tuner {

std::string csv_field(std::string_view text);
// Shortest text that reads back as the same double ("0.1", "1e-05", "3").
std::string csv_number(double value);
// A learning curve as its cell: "step:loss;step:loss;...", empty for none.
std::string csv_curve(const std::vector<std::pair<std::int64_t, double>>& curve);

void write_csv(const Study& study, const std::vector<EvaluationRecord>& records, std::ostream& out);

}  // namespace quante::tuner
