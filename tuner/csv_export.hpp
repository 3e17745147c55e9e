// A study's history as CSV (RFC 4180), for spreadsheets and pandas: one row per evaluation, in
// index order, with each parameter in its own column in the study's space order:
//   index,job,status,loss,<param...>,worker,proposed_at,started_at,finished_at,error
// Reals are written in their shortest round-trip form, times as Unix seconds, a missing loss
// (failed evaluation) or parameter as an empty field. A field is quoted when it holds a comma, a
// double quote, a line break or leading/trailing space; quotes inside are doubled. Lines end in
// CRLF as the RFC asks (every CSV reader accepts it).
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "history.hpp"
#include "study.hpp"

namespace quante::tuner {

std::string csv_field(std::string_view text);
// Shortest text that reads back as the same double ("0.1", "1e-05", "3").
std::string csv_number(double value);

void write_csv(const Study& study, const std::vector<EvaluationRecord>& records, std::ostream& out);

}  // namespace quante::tuner
