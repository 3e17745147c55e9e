#include "history.hpp"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "json_params.hpp"

namespace quante::tuner {

nlohmann::json to_json(const EvaluationRecord& r) {
  nlohmann::json j;
  j["index"] = r.index;
  j["job"] = r.job;
  j["params"] = quante::to_json(r.params);
  j["loss"] = r.loss ? nlohmann::json(*r.loss) : nlohmann::json(nullptr);
  j["status"] = r.status;
  if (r.failed()) {
    j["error"] = r.error;
    j["failure"] = r.failure;
  }
  j["worker"] = r.worker;
  j["proposed_at"] = r.proposed_at;
  j["started_at"] = r.started_at;
  j["finished_at"] = r.finished_at;
  if (!r.metrics.empty()) j["metrics"] = r.metrics;
  if (r.retry) j["retry"] = r.retry;
  if (r.stopped()) j["stopped_at"] = r.stopped_at;
  if (!r.confirms.empty()) j["confirms"] = r.confirms;
  if (!r.curve.empty()) {
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& [step, loss] : r.curve)
      curve.push_back({step, std::isfinite(loss) ? nlohmann::json(loss) : nlohmann::json(nullptr)});
    j["curve"] = std::move(curve);
  }
  return j;
}

std::int64_t EvaluationRecord::steps_run(std::int64_t step_max) const {
  if (!curve.empty()) return curve.back().first;
  if (stopped()) return stopped_at;
  return ok() ? step_max : 0;
}

std::optional<EvaluationRecord> record_from_json(const nlohmann::json& j, std::string* error) {
  auto fail = [&](const std::string& what) -> std::optional<EvaluationRecord> {
    if (error) *error = what;
    return std::nullopt;
  };
  EvaluationRecord r;
  if (!j.contains("job") || !j["job"].is_string()) return fail("'job' must be a string");
  r.job = j["job"];
  if (!j.contains("status") || !j["status"].is_string()) return fail("'status' must be \"ok\", \"failed\" or \"stopped\"");
  r.status = j["status"];
  if (r.status != "ok" && r.status != "failed" && r.status != "stopped")
    return fail("'status' must be \"ok\", \"failed\" or \"stopped\"");
  if (!j.contains("params")) return fail("missing 'params'");
  std::string params_error;
  auto params = params_from_json(j["params"], &params_error);
  if (!params) return fail(params_error);
  r.params = *params;
  if (j.contains("loss") && j["loss"].is_number()) r.loss = j["loss"].get<double>();
  if (r.ok() && (!r.loss || !std::isfinite(*r.loss))) return fail("an ok record needs a finite 'loss'");
  if (j.contains("index") && j["index"].is_number_integer()) r.index = j["index"];
  auto text = [&](const char* key) { return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string(); };
  auto number = [&](const char* key) { return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0; };
  r.error = text("error");
  r.failure = text("failure");
  r.worker = text("worker");
  r.proposed_at = number("proposed_at");
  r.started_at = number("started_at");
  r.finished_at = number("finished_at");
  if (j.contains("metrics") && j["metrics"].is_object())
    for (const auto& [k, v] : j["metrics"].items())
      if (v.is_number()) r.metrics[k] = v.get<double>();
  if (j.contains("retry") && j["retry"].is_number_integer()) r.retry = j["retry"];
  if (j.contains("stopped_at") && j["stopped_at"].is_number_integer()) r.stopped_at = j["stopped_at"];
  r.confirms = text("confirms");
  if (r.stopped() && r.stopped_at <= 0) return fail("a stopped record needs a positive 'stopped_at'");
  if (j.contains("curve")) {
    if (!j["curve"].is_array()) return fail("'curve' must be an array of [step, loss] pairs");
    for (const auto& point : j["curve"]) {
      if (!point.is_array() || point.size() != 2 || !point[0].is_number_integer() ||
          !(point[1].is_number() || point[1].is_null()))
        return fail("'curve' must be an array of [step, loss] pairs");
      r.curve.emplace_back(point[0].get<std::int64_t>(),
                           point[1].is_null() ? std::nan("") : point[1].get<double>());
    }
  }
  return r;
}

std::string journal_path(const std::string& history_path) { return history_path + ".journal"; }

StudyRecords load_study_records(const std::string& history_path, const Study& study) {
  StudyRecords records;
  const std::string journal = journal_path(history_path);
  auto note_torn = [&](const std::string& path, int line, const char* consequence) {
    if (line > 0)
      records.warnings.push_back(path + ":" + std::to_string(line) +
                                 ": dropped an incomplete last line (a write cut short by a crash or a full disk); " +
                                 consequence);
  };
  int torn = 0;
  const auto journal_lines = read_json_lines(journal, &torn);
  note_torn(journal, torn, "the proposal or report it held is forgotten");
  for (const auto& line : journal_lines) {
    const auto& j = line.value;
    const std::string where = journal + ":" + std::to_string(line.line_number) + ": ";
    // j.value() throws nlohmann's type_error for a key of the wrong type (found by
    // tests/fuzz/fuzz_history): report it as the documented runtime_error, naming file and line.
    try {
    const std::string type = j.value("type", "");
    if (type == "study") {
      const std::string fingerprint = j.value("fingerprint", "");
      if (fingerprint != study.fingerprint())
        throw HistoryError(where + "this history belongs to another study (" + j.value("name", "?") +
                                 ": " + fingerprint + "), not to " + study.name + " (" + study.fingerprint() +
                                 "); use another --history file");
    } else if (type == "proposed") {
      std::string error;
      auto params = j.contains("params") ? params_from_json(j["params"], &error) : std::nullopt;
      if (!params || !j.contains("job") || !j["job"].is_string())
        throw HistoryError(where + "malformed proposal" + (error.empty() ? "" : ": " + error));
      records.proposals.push_back({j["job"], *params, j.value("proposed_at", 0.0), j.value("retry", 0),
                                   j.contains("confirms") && j["confirms"].is_string() ? j["confirms"].get<std::string>() : ""});
    } else if (type == "cancelled") {
      records.cancelled[j.value("job", "")] = true;
    } else if (type == "report") {
      if (!j.contains("job") || !j["job"].is_string() || !j.contains("step") || !j["step"].is_number_integer())
        throw HistoryError(where + "malformed rung report");
      const double loss = j.contains("loss") && j["loss"].is_number() ? j["loss"].get<double>() : std::nan("");
      records.reports.push_back({j["job"], j["step"], loss, j.value("continue", true)});
    } else {
      throw HistoryError(where + "unknown journal line type '" + type + "'");
    }
    } catch (const nlohmann::json::exception& e) {
      throw HistoryError(where + "malformed journal line: " + e.what());
    }
  }
  const auto history_lines = read_json_lines(history_path, &torn);
  note_torn(history_path, torn, "the result it held is not counted (its job is pending again: `run` evaluates it again)");
  for (const auto& line : history_lines) {
    std::string error;
    std::optional<EvaluationRecord> record;
    try {
      record = record_from_json(line.value, &error);
    } catch (const nlohmann::json::exception& e) {
      error = std::string("malformed record: ") + e.what();
    }
    if (!record) throw HistoryError(history_path + ":" + std::to_string(line.line_number) + ": " + error);
    if (!study.objective_metric.empty() && record->ok() && !record->metrics.count(study.objective_metric))
      throw HistoryError(history_path + ":" + std::to_string(line.line_number) + ": an ok record without metric '" +
                         study.objective_metric + "', which the study's key objective_metric names: this history was " +
                         "not written for objective_metric = \"" + study.objective_metric + "\"");
    if (auto invalid = study.space.validate(record->params))
      throw HistoryError(history_path + ":" + std::to_string(line.line_number) + ": " + *invalid +
                               ": this history does not belong to study " + study.name);
    records.evaluations.push_back(std::move(*record));
  }
  return records;
}

StudyLog::StudyLog(const std::string& history_path, const Study& study, bool journal_is_new)
    : history_(history_path), journal_(journal_path(history_path)) {
  if (journal_is_new)
    journal_.append({{"type", "study"}, {"name", study.name}, {"fingerprint", study.fingerprint()},
                     {"seed", study.seed}, {"created_at", unix_now()}});
}

void StudyLog::proposed(const Proposal& p) {
  nlohmann::json j = {{"type", "proposed"}, {"job", p.job}, {"params", quante::to_json(p.params)}, {"proposed_at", p.proposed_at}};
  if (p.retry) j["retry"] = p.retry;
  if (!p.confirms.empty()) j["confirms"] = p.confirms;
  journal_.append(j);
}

void StudyLog::cancelled(const std::string& job) { journal_.append({{"type", "cancelled"}, {"job", job}}); }

void StudyLog::reported(const RungReport& r) {
  journal_.append({{"type", "report"}, {"job", r.job}, {"step", r.step},
                   {"loss", std::isfinite(r.loss) ? nlohmann::json(r.loss) : nlohmann::json(nullptr)}, {"continue", r.go_on}});
}

void StudyLog::finished(const EvaluationRecord& record) { history_.append(to_json(record)); }

}  // namespace quante::tuner
