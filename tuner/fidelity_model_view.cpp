#include "fidelity_model_view.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "curve_forecast.hpp"

namespace quante::tuner {

namespace {

// The trial's loss at `level`, if it ran that far.
std::optional<double> loss_at(const EvaluationRecord& r, std::int64_t level, std::int64_t step_max) {
  if (!r.ok() && !r.stopped()) return std::nullopt;
  const bool full_length = r.ok() && r.loss && r.stopped_at == 0;
  if (level >= step_max) {
    if (full_length) return r.loss;
    return std::nullopt;
  }
  if (r.curve.empty()) return full_length ? r.loss : std::nullopt;  // reported nothing: only its end is known
  if (r.curve.back().first < level) return std::nullopt;
  std::optional<double> value;
  for (const auto& [step, loss] : r.curve) {
    if (step > level) break;
    value = loss;
  }
  if (value && !std::isfinite(*value)) return std::nullopt;
  return value;
}

// The view at `level`: a trial with a loss there enters with it; with `forecast_horizon`, a
// trial stopped at level / horizon or later enters with the loss its curve forecasts at level;
// the rest (not failed) pass on as stopped: not fitted, but the proposer keeps new points away
// from them (ProposalRequest::avoid).
FidelityModelView view_at(const std::vector<EvaluationRecord>& evaluations, std::int64_t level, std::int64_t step_max,
                          std::optional<double> forecast_horizon) {
  FidelityModelView view;
  view.level = level;
  for (const auto& r : evaluations) {
    EvaluationRecord seen = r;
    std::optional<double> loss = loss_at(r, level, step_max);
    if (!loss && !r.failed() && forecast_horizon && !r.curve.empty() &&
        static_cast<double>(r.curve.back().first) * *forecast_horizon >= static_cast<double>(level)) {
      if (auto f = scheduling::forecast_loss(r.curve, level); f && std::isfinite(f->loss)) loss = f->loss;
    }
    if (loss) {
      seen.status = "ok";
      seen.loss = loss;
      ++view.observed;
    } else if (!r.failed()) {
      ++view.left_out;
      seen.status = "stopped";
    }
    view.records.push_back(std::move(seen));
  }
  return view;
}

// Every trial at every level it reached (ModelInput::Joint).
FidelityModelView joint_view(const std::vector<EvaluationRecord>& evaluations, const std::vector<std::int64_t>& levels,
                             std::int64_t step_max) {
  FidelityModelView view;
  view.level = step_max;
  for (const auto& r : evaluations) {
    if (r.failed()) {
      view.records.push_back(r);
      continue;
    }
    bool any = false;
    for (const std::int64_t level : levels) {
      const std::optional<double> loss = loss_at(r, level, step_max);
      if (!loss) continue;
      EvaluationRecord seen = r;
      seen.status = "ok";
      seen.loss = loss;
      seen.stopped_at = level < step_max ? level : 0;
      view.records.push_back(std::move(seen));
      ++view.observed;
      any = true;
    }
    if (!any) {
      EvaluationRecord seen = r;
      seen.status = "stopped";
      view.records.push_back(std::move(seen));
      ++view.left_out;
    }
  }
  return view;
}

}  // namespace

std::int64_t joint_view_level(const EvaluationRecord& record, std::int64_t step_max) {
  return record.stopped_at > 0 ? record.stopped_at : step_max;
}

FidelityModelView fidelity_model_view(const std::vector<EvaluationRecord>& evaluations, std::vector<std::int64_t> levels,
                                      std::int64_t step_max, int min_points, scheduling::ModelInput input,
                                      double forecast_horizon) {
  if (input == scheduling::ModelInput::Forecast) {
    // Every trial that got near enough to step_max enters there: full-length ones with their
    // result, stopped ones with the loss their curve forecasts.
    FidelityModelView view = view_at(evaluations, step_max, step_max, forecast_horizon);
    if (view.observed >= min_points) return view;
  }
  levels.push_back(step_max);
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  if (input == scheduling::ModelInput::Joint) return joint_view(evaluations, levels, step_max);
  auto count_at = [&](std::int64_t level) {
    int n = 0;
    for (const auto& r : evaluations)
      if (loss_at(r, level, step_max)) ++n;
    return n;
  };
  std::int64_t chosen = step_max;
  int best_count = -1;
  for (auto it = levels.rbegin(); it != levels.rend(); ++it) {
    const int n = count_at(*it);
    if (n >= min_points) {
      chosen = *it;
      break;
    }
    if (n > best_count) {
      best_count = n;
      chosen = *it;
    }
  }
  return view_at(evaluations, chosen, step_max, std::nullopt);
}

}  // namespace quante::tuner
