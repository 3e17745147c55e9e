#include "learning_curves.hpp"

#include <algorithm>
#include <cmath>

#include <spdlog/fmt/fmt.h>

#include "svg_plot.hpp"
#include "tuner_state.hpp"

namespace quante::tuner {

namespace {

bool has_finite_point(const EvaluationRecord& r) {
  return std::any_of(r.curve.begin(), r.curve.end(), [](const auto& p) { return std::isfinite(p.second); });
}

// The longest curve of an ok trial, else of any trial; 0 when there is none.
std::int64_t longest_curve(const std::vector<EvaluationRecord>& records) {
  std::int64_t ok_longest = 0, any_longest = 0;
  for (const auto& r : records) {
    if (r.curve.empty()) continue;
    any_longest = std::max(any_longest, r.curve.back().first);
    if (r.ok()) ok_longest = std::max(ok_longest, r.curve.back().first);
  }
  return ok_longest > 0 ? ok_longest : any_longest;
}

}  // namespace

std::optional<double> StepAccount::saved_fraction() const {
  if (full_length <= 0) return std::nullopt;
  return static_cast<double>(saved()) / static_cast<double>(full_length);
}

bool has_learning_curves(const Study& study, const std::vector<EvaluationRecord>& records) {
  return study.fidelity || std::any_of(records.begin(), records.end(), [](const auto& r) { return !r.curve.empty(); });
}

bool any_curve(const std::vector<EvaluationRecord>& records) {
  return std::any_of(records.begin(), records.end(), has_finite_point);
}

std::optional<StepAccount> account_steps(const Study& study, const std::vector<EvaluationRecord>& records) {
  if (!has_learning_curves(study, records)) return std::nullopt;
  StepAccount account;
  if (study.fidelity) {
    account.step_max = study.fidelity->step_max;
    account.budget_steps = study.fidelity->budget_steps;
  } else {
    account.step_max = longest_curve(records);
    account.step_max_from_study = false;
  }
  for (const auto& r : records) {
    const std::int64_t run = r.steps_run(account.step_max);
    account.consumed += run;
    if (r.stopped()) {
      ++account.stopped;
      ++account.stopped_at[r.stopped_at];
      account.full_length += std::max(run, account.step_max);
    } else {
      // A failed trial would have failed at full length too: it counts what it ran on both sides.
      ++(r.ok() ? account.ok : account.failed);
      account.full_length += run;
    }
  }
  return account;
}

std::string learning_curves_svg(const Study& study, const std::vector<EvaluationRecord>& records) {
  std::vector<EvaluationRecord> ok;
  for (const auto& r : records)
    if (r.ok() && r.loss) ok.push_back(r);
  const auto best = best_record(study, ok);

  auto curve_series = [](const EvaluationRecord& r) {
    Series s;
    s.kind = Series::Kind::Line;
    for (const auto& [step, loss] : r.curve) {
      if (!std::isfinite(loss)) continue;
      s.x.push_back(static_cast<double>(step));
      s.y.push_back(loss);
    }
    return s;
  };

  // Drawn back to front: stopped (grey), failed (light red), ok (blue), then the best on top.
  std::vector<Series> stopped, failed, full, top;
  int drawn_ok = 0, drawn_stopped = 0, drawn_failed = 0;
  for (const auto& r : records) {
    if (!has_finite_point(r)) continue;
    Series s = curve_series(r);
    if (best && r.job == best->job && r.index == best->index) {
      s.css_class = "curve-best";
      s.label = fmt::format("best (index {})", r.index);
      s.color = "#d62728";
      s.stroke_width = 3;
      top.push_back(std::move(s));
      ++drawn_ok;
    } else if (r.stopped()) {
      s.css_class = "curve-stopped";
      s.color = "#9e9e9e";
      s.opacity = 0.7;
      s.stroke_width = 1.2;
      s.end_marker = true;
      if (drawn_stopped++ == 0) s.label = "stopped early";
      stopped.push_back(std::move(s));
    } else if (r.ok()) {
      s.css_class = "curve-ok";
      s.color = "#1f77b4";
      s.opacity = 0.6;
      s.stroke_width = 1.5;
      if (drawn_ok++ == 0) s.label = "full length";
      full.push_back(std::move(s));
    } else {
      s.css_class = "curve-failed";
      s.color = "#ff9896";
      s.opacity = 0.8;
      s.stroke_width = 1.2;
      if (drawn_failed++ == 0) s.label = "failed";
      failed.push_back(std::move(s));
    }
  }
  std::vector<Series> series;
  for (auto* group : {&stopped, &failed, &full, &top})
    for (auto& s : *group) series.push_back(std::move(s));

  Figure figure;
  figure.title = fmt::format("{}: learning curves of {} trials ({} full length, {} stopped, {} failed)", study.name,
                             drawn_ok + drawn_stopped + drawn_failed, drawn_ok, drawn_stopped, drawn_failed);
  figure.panels.push_back({"loss against step (a stopped trial ends in a dot at its stop)", "step", "loss",
                           std::move(series), "no learning curve reported", true});
  figure.panel_height = 480;
  return render_svg(figure);
}

}  // namespace quante::tuner
