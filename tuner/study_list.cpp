#include "study_list.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "history.hpp"
#include "history_lock.hpp"

namespace quante::tuner {

namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

// Every line that is a JSON object; the others are counted, never repaired (read_json_lines
// would truncate a torn line, and a running tuner may be writing it).
std::vector<nlohmann::json> read_objects(const std::string& path, int& unreadable) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto value = nlohmann::json::parse(line, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
      ++unreadable;
      continue;
    }
    out.push_back(std::move(value));
  }
  return out;
}

void read_state(const std::string& history, ListedStudy& s) {
  const LockProbe lock = probe_lock(history);
  if (lock.held) {
    s.state = "running";
    s.detail = lock.text;
  } else if (!lock.exists) {
    s.state = "idle";
    s.detail = "never run";
  } else {
    const std::string word = lock.text.substr(0, lock.text.find(' '));
    if (word == "finished" || word == "stopped" || word == "idle") {
      s.state = word;
      s.detail = lock.text.substr(std::min(lock.text.size(), word.size() + 1));
    } else {
      s.state = "stopped";
      s.detail = "its tuner ended without saying how (killed?)" + (lock.text.empty() ? "" : ": " + lock.text);
    }
  }
}

ListedStudy read_study(const fs::path& dir, const std::string& file) {
  ListedStudy s;
  s.history = file;
  s.name = "?";
  const std::string history = (dir / file).string();
  std::set<std::string> proposed, done;
  int ignored = 0;
  for (const auto& j : read_objects(journal_path(history), ignored)) {
    const std::string type = j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
    if (type == "study") {
      if (j.contains("name") && j["name"].is_string()) s.name = j["name"];
      const std::string fingerprint = j.contains("fingerprint") && j["fingerprint"].is_string() ? j["fingerprint"].get<std::string>() : "";
      s.maximize = fingerprint.find(";direction=maximize") != std::string::npos;
      if (const auto at = fingerprint.find(";metric="); at != std::string::npos) s.metric = fingerprint.substr(at + 8);
    } else if ((type == "proposed" || type == "cancelled") && j.contains("job") && j["job"].is_string()) {
      (type == "proposed" ? proposed : done).insert(j["job"].get<std::string>());
    }
  }
  for (const auto& j : read_objects(history, s.unreadable_lines)) {
    std::string error;
    std::optional<EvaluationRecord> r;
    try {
      r = record_from_json(j, &error);
    } catch (const nlohmann::json::exception&) {
    }
    if (!r) {
      ++s.unreadable_lines;
      continue;
    }
    ++s.evaluations;
    done.insert(r->job);
    if (r->failed()) ++s.failed;
    if (r->ok() && r->loss) {
      ++s.ok;
      if (!s.best || (s.maximize ? *r->loss > *s.best : *r->loss < *s.best)) s.best = r->loss;
    }
  }
  for (const auto& job : proposed)
    if (!done.count(job)) ++s.pending;
  read_state(history, s);
  return s;
}

}  // namespace

std::vector<ListedStudy> list_studies(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::invalid_argument(dir + ": not a folder");
  std::set<std::string> histories;
  fs::directory_iterator it(dir, ec);
  if (ec) throw std::invalid_argument(dir + ": cannot read the folder: " + ec.message());
  std::set<std::string> names;
  for (const auto& entry : it)
    if (entry.is_regular_file(ec)) names.insert(entry.path().filename().string());
  for (const auto& name : names) {
    if (ends_with(name, ".journal")) histories.insert(name.substr(0, name.size() - 8));
    else if (ends_with(name, ".jsonl")) histories.insert(name);
  }
  std::vector<ListedStudy> out;
  for (const auto& h : histories) out.push_back(read_study(dir, h));
  return out;
}

void print_study_list(const std::vector<ListedStudy>& studies, std::ostream& out) {
  if (studies.empty()) {
    out << "no histories here (a history is NAME.history.jsonl, with NAME.history.jsonl.journal beside it)\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"history", "study", "state", "evaluations", "best", "detail"}};
  for (const auto& s : studies) {
    std::string counts = fmt::format("{} ({} failed", s.evaluations, s.failed);
    if (s.pending) counts += fmt::format(", {} pending", s.pending);
    counts += ")";
    std::string best = s.best ? fmt::format("{:.6g}", *s.best) : "-";
    if (s.best) best += s.maximize ? " (max" : " (min";
    if (s.best) best += s.metric.empty() ? ")" : " " + s.metric + ")";
    std::string detail = s.detail;
    if (s.unreadable_lines) detail += fmt::format("{}{} unreadable lines", detail.empty() ? "" : "; ", s.unreadable_lines);
    rows.push_back({s.history, s.name, s.state, counts, best, detail});
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c)
      line += c + 1 < row.size() ? row[c] + std::string(width[c] - row[c].size() + 2, ' ') : row[c];
    out << line << "\n";
  }
}

}  // namespace quante::tuner
