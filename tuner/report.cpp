#include "report.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>

#include <spdlog/fmt/fmt.h>

#include "convergence.hpp"
#include "csv_export.hpp"
#include "html_report.hpp"
#include "named_best.hpp"
#include "study_runner.hpp"

namespace quante::tuner {

namespace {

std::optional<double> numeric(const ParamValue& value) {
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<double> numeric_param(const EvaluationRecord& r, const std::string& name) {
  const auto it = r.params.find(name);
  return it == r.params.end() ? std::nullopt : numeric(it->second);
}

std::string number(double v) { return fmt::format("{:.6g}", v); }
std::string number(const std::optional<double>& v) { return v ? number(*v) : "-"; }

std::string value_text(const ParamValue& value) {
  if (const auto* d = std::get_if<double>(&value)) return number(*d);
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  return std::get<std::string>(value);
}

std::string param_text(const EvaluationRecord& r, const std::string& name) {
  const auto it = r.params.find(name);
  return it == r.params.end() ? "-" : value_text(it->second);
}

// Columns padded to their widest cell; `right` columns (numbers) aligned right.
void print_table(std::ostream& out, const std::string& indent, const std::vector<std::vector<std::string>>& rows,
                 const std::vector<bool>& right) {
  std::vector<std::size_t> width;
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  for (const auto& row : rows) {
    std::string line = indent;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      const bool align_right = c < right.size() && right[c];
      line += align_right ? pad + row[c] : row[c] + (c + 1 < row.size() ? pad : "");
      if (c + 1 < row.size()) line += "  ";
    }
    out << line << "\n";
  }
}

const char* direction_name(Direction d) { return d == Direction::Minimize ? "minimize" : "maximize"; }

// A private copy of the history and its journal. Loading repairs a torn last line by truncating
// the file; a report may run beside a live `quante-tuner run` that is appending, so it must never
// write to the real files.
class Snapshot {
 public:
  explicit Snapshot(const std::string& history_path) {
    std::string pattern = (std::filesystem::temp_directory_path() / "quante-report-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error(std::string("cannot make a temporary folder: ") + std::strerror(errno));
    dir_ = pattern;
    history_ = (dir_ / "history.jsonl").string();
    copy(history_path, history_);
    if (std::filesystem::exists(journal_path(history_path))) copy(journal_path(history_path), journal_path(history_));
  }
  ~Snapshot() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  const std::string& history() const { return history_; }

 private:
  static void copy(const std::string& from, const std::string& to) {
    std::ifstream in(from, std::ios::binary);
    if (!in) throw std::runtime_error(from + ": cannot read: " + std::strerror(errno));
    std::ofstream out(to, std::ios::binary);
    out << in.rdbuf();
    if (!out) throw std::runtime_error(to + ": cannot write a temporary copy");
  }
  std::filesystem::path dir_;
  std::string history_;
};

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

bool write_file(const std::string& path, const std::string& what, const std::function<void(std::ostream&)>& body,
                std::ostream& err) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (file) body(file);
  file.flush();
  if (!file) {
    err << "quante-tuner report: cannot write the " << what << " " << path << ": " << std::strerror(errno) << "\n";
    return false;
  }
  return true;
}

// The early-stopping lines: trials by outcome, steps run against full length, stops by step.
void print_steps(const StepAccount& steps, std::ostream& out) {
  out << "trials       " << steps.ok << " ran to full length, " << steps.stopped << " stopped early, " << steps.failed
      << " failed\n";
  out << "steps        " << steps.consumed << " run of " << steps.full_length << " at full length (step_max "
      << steps.step_max << (steps.step_max_from_study ? "" : ", the longest curve: no [fidelity]");
  if (steps.budget_steps) out << "; budget " << *steps.budget_steps;
  out << ")";
  if (const auto saved = steps.saved_fraction()) out << fmt::format(": {} saved, {:.1f}%", steps.saved(), 100 * *saved);
  out << "\n";
  std::string stops;
  for (const auto& [step, trials] : steps.stopped_at)
    stops += (stops.empty() ? "step " : ", step ") + fmt::format("{}: {}", step, trials);
  out << "stopped at   " << (stops.empty() ? "none" : stops) << "\n";
}

}  // namespace

std::string format_time(double unix_seconds) {
  const auto t = static_cast<std::time_t>(std::floor(unix_seconds));
  std::tm tm{};
  if (!::gmtime_r(&t, &tm)) return number(unix_seconds);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "-";
  if (seconds < 60) return fmt::format("{:.1f} s", seconds);
  const auto total = static_cast<long long>(std::llround(seconds));
  const long long h = total / 3600, m = total % 3600 / 60, s = total % 60;
  if (h >= 48) return fmt::format("{}d {:02}h {:02}m", h / 24, h % 24, m);
  if (h > 0) return fmt::format("{}h {:02}m {:02}s", h, m, s);
  return fmt::format("{}m {:02}s", m, s);
}

std::string default_plot_path(const std::string& history_path) { return history_path + ".convergence.svg"; }
std::string default_curves_path(const std::string& history_path) { return history_path + ".curves.svg"; }

ReportData summarize(const Study& study, const std::vector<EvaluationRecord>& records, int top) {
  std::vector<EvaluationRecord> sorted = records;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.index < b.index; });

  ReportData data;
  data.study_name = study.name;
  data.objective = study.objective;
  data.direction = study.direction;
  data.top_k = std::max(0, top);
  data.objective_metric = study.objective_metric;
  {
    std::set<std::string> names;
    for (const auto& r : sorted)
      for (const auto& [name, value] : r.metrics) names.insert(name);
    data.metrics.assign(names.begin(), names.end());
  }
  data.evaluations = static_cast<int>(sorted.size());
  std::vector<EvaluationRecord> ok;
  for (const auto& r : sorted) {
    if (r.ok() && r.loss) {
      ok.push_back(r);
    } else if (r.stopped()) {
      ++data.stopped;  // not a failure, and never the best: it did not run its course
    } else {
      ++data.failed;
      ++data.failed_by_class[r.failure.empty() ? "unclassified" : r.failure];
    }
  }
  data.ok = static_cast<int>(ok.size());
  data.steps = account_steps(study, sorted);
  if (auto named = name_best_record(study, sorted, best_record(study, ok))) {
    data.best = std::move(named->record);
    data.best_posterior_mean = named->posterior_mean;
    data.noise_variance = named->noise_variance;
    data.confirmed = named->confirmed;
  }
  std::stable_sort(ok.begin(), ok.end(), [&](const auto& a, const auto& b) { return study.better(*a.loss, *b.loss); });
  data.top.assign(ok.begin(), ok.begin() + std::min<std::ptrdiff_t>(data.top_k, static_cast<std::ptrdiff_t>(ok.size())));

  for (const auto& spec : study.space.params()) {
    ParamSummary s;
    s.spec = spec;
    if (spec.type == ParamType::Categorical) {
      for (const auto& choice : spec.choices) s.choices.push_back({choice, 0, 0, std::nullopt, std::nullopt});
      std::vector<double> sums(spec.choices.size(), 0.0);
      for (const auto& r : sorted) {
        const auto it = r.params.find(spec.name);
        const auto* text = it == r.params.end() ? nullptr : std::get_if<std::string>(&it->second);
        if (!text) continue;
        const auto at = std::find(spec.choices.begin(), spec.choices.end(), *text);
        if (at == spec.choices.end()) continue;
        const auto c = static_cast<std::size_t>(at - spec.choices.begin());
        auto& choice = s.choices[c];
        ++choice.evaluations;
        if (!r.ok() || !r.loss) continue;
        ++choice.ok;
        sums[c] += *r.loss;
        if (!choice.best_loss || study.better(*r.loss, *choice.best_loss)) choice.best_loss = *r.loss;
      }
      for (std::size_t c = 0; c < s.choices.size(); ++c)
        if (s.choices[c].ok) s.choices[c].mean_loss = sums[c] / s.choices[c].ok;
      if (data.best) {
        const auto it = data.best->params.find(spec.name);
        if (it != data.best->params.end())
          if (const auto* text = std::get_if<std::string>(&it->second)) s.choice_at_best = *text;
      }
    } else {
      for (const auto& r : sorted)
        if (auto v = numeric_param(r, spec.name)) {
          s.explored_low = s.explored_low ? std::min(*s.explored_low, *v) : *v;
          s.explored_high = s.explored_high ? std::max(*s.explored_high, *v) : *v;
        }
      if (data.best) s.at_best = numeric_param(*data.best, spec.name);
      s.top_mean_geometric = spec.log;
      double sum = 0;
      int n = 0;
      for (const auto& r : data.top)
        if (auto v = numeric_param(r, spec.name)) {
          if (spec.log && !(*v > 0)) {  // cannot happen for a valid point; fall back rather than NaN
            s.top_mean_geometric = false;
          }
          sum += spec.log && *v > 0 ? std::log(*v) : *v;
          ++n;
        }
      if (n > 0) s.top_mean = s.top_mean_geometric ? std::exp(sum / n) : sum / n;
    }
    data.params.push_back(std::move(s));
  }

  if (const auto span = time_span(sorted)) {
    data.first_time = span->first;
    data.last_time = span->last;
    data.elapsed_s = span->seconds();
    if (span->seconds() > 0) data.evaluations_per_hour = data.evaluations / span->seconds() * 3600.0;
  }
  return data;
}

void print_report(const ReportData& data, std::ostream& out) {
  const bool minimize = data.direction == Direction::Minimize;
  out << "study        " << data.study_name << " (objective " << data.objective << ", "
      << (data.objective_metric.empty() ? "" : "metric " + data.objective_metric + ", ") << direction_name(data.direction)
      << ")\n";
  out << "evaluations  " << data.evaluations << ": " << data.ok << " ok, ";
  if (data.stopped) out << data.stopped << " stopped, ";
  out << data.failed << " failed";
  if (!data.failed_by_class.empty()) {
    std::string classes;
    for (const auto& [failure, count] : data.failed_by_class)
      classes += (classes.empty() ? "" : ", ") + fmt::format("{} {}", count, failure);
    out << " (" << classes << ")";
  }
  out << "\n";
  if (data.elapsed_s) {
    out << "elapsed      " << format_duration(*data.elapsed_s) << ", " << format_time(*data.first_time) << " to "
        << format_time(*data.last_time);
    if (data.evaluations_per_hour) out << ", " << fmt::format("{:.1f}", *data.evaluations_per_hour) << " evaluations/hour";
    out << "\n";
  }
  if (data.steps) print_steps(*data.steps, out);

  out << "\n";
  if (!data.best) {
    out << "best         none: no successful evaluation yet\n";
    return;
  }
  const auto& best = *data.best;
  out << "best         loss " << number(*best.loss) << " (index " << best.index << ", job " << best.job;
  if (!best.worker.empty()) out << ", worker " << best.worker;
  if (best.finished_at > 0) out << ", finished " << format_time(best.finished_at);
  out << ")\n";
  if (!best.metrics.empty()) {
    std::string metrics;
    for (const auto& [name, value] : best.metrics) metrics += (metrics.empty() ? "" : ", ") + name + "=" + number(value);
    out << "             " << metrics << "\n";
  }
  std::string point;
  for (const auto& p : data.params) point += (point.empty() ? "" : ", ") + p.spec.name + "=" + param_text(best, p.spec.name);
  out << "             " << point << "\n";
  if (data.confirmed)
    out << "confirmed    mean loss " << number(data.confirmed->mean) << " over " << data.confirmed->evaluations
        << " evaluations of this point ([stop] confirm)\n";
  if (data.best_posterior_mean)
    out << "noise        inferred (noise variance " << number(*data.noise_variance)
        << " of the standardized losses): the best is named by the model's posterior mean, "
        << number(*data.best_posterior_mean) << " there, not by the lowest loss\n";

  out << "\ntop " << data.top.size() << " of " << data.ok << " ok (" << (minimize ? "lowest" : "highest")
      << " loss first)\n";
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> right = {true, true};
  rows.push_back({"rank", data.objective_metric.empty() ? "loss" : data.objective_metric});
  for (const auto& m : data.metrics) {
    if (m == data.objective_metric) continue;  // it is the "loss" column already
    rows[0].push_back(m);
    right.push_back(true);
  }
  for (const auto& p : data.params) {
    rows[0].push_back(p.spec.name);
    right.push_back(p.spec.type != ParamType::Categorical);
  }
  rows[0].push_back("job");
  right.push_back(false);
  for (std::size_t i = 0; i < data.top.size(); ++i) {
    const auto& r = data.top[i];
    std::vector<std::string> row = {std::to_string(i + 1), number(*r.loss)};
    for (const auto& m : data.metrics) {
      if (m == data.objective_metric) continue;
      const auto it = r.metrics.find(m);
      row.push_back(it == r.metrics.end() ? "-" : number(it->second));
    }
    for (const auto& p : data.params) row.push_back(param_text(r, p.spec.name));
    row.push_back(r.job);
    rows.push_back(std::move(row));
  }
  print_table(out, "  ", rows, right);

  const std::string top_label = fmt::format("top-{}", data.top.size());
  rows.clear();
  rows.push_back({"parameter", "type", "bounds", "explored", "at best", top_label + " mean"});
  bool any_geometric = false;
  for (const auto& p : data.params) {
    if (p.spec.type == ParamType::Categorical) continue;
    const bool is_int = p.spec.type == ParamType::Int;
    auto bound = [&](double v) { return is_int ? std::to_string(std::llround(v)) : number(v); };
    const std::string explored =
        p.explored_low ? bound(*p.explored_low) + " .. " + bound(*p.explored_high) : std::string("-");
    any_geometric = any_geometric || p.top_mean_geometric;
    rows.push_back({p.spec.name, std::string(is_int ? "int" : "float") + (p.spec.log ? " (log)" : ""),
                    "[" + bound(p.spec.low) + ", " + bound(p.spec.high) + "]", explored,
                    p.at_best ? bound(*p.at_best) : "-", number(p.top_mean) + (p.top_mean_geometric ? " (geo)" : "")});
  }
  if (rows.size() > 1) {
    out << "\nnumeric parameters" << (any_geometric ? " (geo: geometric mean, for log-scaled parameters)" : "") << "\n";
    print_table(out, "  ", rows, {false, false, false, false, true, true});
  }
  for (const auto& p : data.params) {
    if (p.spec.type != ParamType::Categorical) continue;
    out << "\n" << p.spec.name << " (categorical";
    if (p.choice_at_best) out << ", at best: " << *p.choice_at_best;
    out << ")\n";
    rows.clear();
    rows.push_back({"choice", "evaluations", "ok", "best loss", "mean loss"});
    for (const auto& c : p.choices)
      rows.push_back({c.choice, std::to_string(c.evaluations), std::to_string(c.ok), number(c.best_loss), number(c.mean_loss)});
    print_table(out, "  ", rows, {false, true, true, true, true});
  }
}

int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  auto loaded = load_study(options.study_path);
  if (!loaded) {
    err << "quante-tuner report: " << loaded.error().message << "\n";
    return 2;
  }
  const Study study = std::move(loaded).value();
  if (options.history_path.empty()) {
    err << "quante-tuner report: no history file given (--history FILE)\n";
    return 2;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.history_path, ec)) {
    err << "quante-tuner report: " << options.history_path << ": no such history file\n";
    return 2;
  }
  StudyRecords records;
  try {
    const Snapshot snapshot(options.history_path);
    auto users_names = [&](std::string message) {  // name the user's files, not the snapshot's
      replace_all(message, journal_path(snapshot.history()), journal_path(options.history_path));
      replace_all(message, snapshot.history(), options.history_path);
      return message;
    };
    try {
      records = load_study_records(snapshot.history(), study);
    } catch (const std::exception& e) {
      throw std::runtime_error(users_names(e.what()));
    }
    for (const auto& warning : records.warnings) err << "quante-tuner report: warning: " << users_names(warning) << "\n";
  } catch (const std::exception& e) {
    err << "quante-tuner report: " << e.what() << "\n";
    return 2;
  }

  print_report(summarize(study, records.evaluations, options.top), out);

  int status = 0;
  if (options.plot_path != "none") {
    const std::string plot = options.plot_path.empty() ? default_plot_path(options.history_path) : options.plot_path;
    const std::string svg = convergence_svg(study, records.evaluations);
    if (write_file(plot, "convergence plot", [&](std::ostream& file) { file << svg; }, err))
      out << "\nconvergence plot  " << plot << "\n";
    else
      status = 1;
  }
  if (options.curves_path != "none" && any_curve(records.evaluations)) {
    const std::string plot = options.curves_path.empty() ? default_curves_path(options.history_path) : options.curves_path;
    const std::string svg = learning_curves_svg(study, records.evaluations);
    if (write_file(plot, "learning-curves plot", [&](std::ostream& file) { file << svg; }, err))
      out << "learning curves   " << plot << "\n";
    else
      status = 1;
  }
  if (!options.html_path.empty()) {
    if (write_html_report(options.html_path, study, records.evaluations, options.top, err))
      out << "html report       " << options.html_path << "\n";
    else
      status = 1;
  }
  if (!options.csv_path.empty()) {
    if (write_file(options.csv_path, "CSV", [&](std::ostream& file) { write_csv(study, records.evaluations, file); }, err))
      out << "csv               " << options.csv_path << " (" << records.evaluations.size() << " rows)\n";
    else
      status = 1;
  }
  return status;
}

}  // namespace quante::tuner
