#include "csv_export.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

namespace quante::tuner {

std::string csv_field(std::string_view text) {
  const bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!text.empty() && (text.front() == ' ' || text.back() == ' ' || text.front() == '\t' || text.back() == '\t'));
  if (!quote) return std::string(text);
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + '"';
}

std::string csv_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string csv_curve(const std::vector<std::pair<std::int64_t, double>>& curve) {
  std::string cell;
  for (const auto& [step, loss] : curve) {
    if (!cell.empty()) cell += ';';
    cell += std::to_string(step) + ':' + csv_number(loss);
  }
  return cell;
}

namespace {

std::string value_text(const ParamValue& value) {
  if (const auto* d = std::get_if<double>(&value)) return csv_number(*d);
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  return std::get<std::string>(value);
}

}  // namespace

void write_csv(const Study& study, const std::vector<EvaluationRecord>& records, std::ostream& out) {
  const char* eol = "\r\n";
  std::string line = "index,job,status,loss";
  for (const auto& spec : study.space.params()) line += "," + csv_field(spec.name);
  line += ",worker,proposed_at,started_at,finished_at,error,stopped_at,curve";
  // One column per metric any record reports, after the fixed ones (readers by position keep
  // working); named after the metric, or metric:NAME where that would repeat a column's name.
  std::set<std::string> metric_set;
  for (const auto& r : records)
    for (const auto& [name, value] : r.metrics) metric_set.insert(name);
  std::set<std::string> taken = {"index", "job", "status", "loss", "worker", "proposed_at", "started_at",
                                 "finished_at", "error", "stopped_at", "curve"};
  for (const auto& spec : study.space.params()) taken.insert(spec.name);
  for (const auto& name : metric_set) line += "," + csv_field(taken.count(name) ? "metric:" + name : name);
  out << line << eol;

  std::vector<const EvaluationRecord*> sorted;
  for (const auto& r : records) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->index < b->index; });
  for (const auto* r : sorted) {
    line = std::to_string(r->index) + "," + csv_field(r->job) + "," + csv_field(r->status) + "," +
           (r->loss ? csv_number(*r->loss) : std::string());
    for (const auto& spec : study.space.params()) {
      const auto it = r->params.find(spec.name);
      line += "," + (it == r->params.end() ? std::string() : csv_field(value_text(it->second)));
    }
    line += "," + csv_field(r->worker) + "," + csv_number(r->proposed_at) + "," + csv_number(r->started_at) + "," +
            csv_number(r->finished_at) + "," + csv_field(r->error) + "," +
            (r->stopped() ? std::to_string(r->stopped_at) : std::string()) + "," + csv_field(csv_curve(r->curve));
    for (const auto& name : metric_set) {
      const auto it = r->metrics.find(name);
      line += "," + (it == r->metrics.end() ? std::string() : csv_number(it->second));
    }
    out << line << eol;
  }
}

}  // namespace quante::tuner
