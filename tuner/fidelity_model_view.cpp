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

}  // namespace

FidelityModelView fidelity_model_view(const std::vector<EvaluationRecord>& evaluations, std::vector<std::int64_t> levels,
                                      std::int64_t step_max, int min_points, scheduling::ModelInput input,
                                      double forecast_horizon) {
  if (input == scheduling::ModelInput::Forecast) {
    // Every trial that got near enough to step_max enters there: full-length ones with their
    // result, stopped ones with the loss their curve forecasts.
    FidelityModelView view;
    view.level = step_max;
    std::vector<EvaluationRecord> seen_records;
    for (const auto& r : evaluations) {
      EvaluationRecord seen = r;
      if (auto loss = loss_at(r, step_max, step_max)) {
        seen.status = "ok";
        seen.loss = loss;
        ++view.observed;
      } else if (!r.failed()) {
        const bool near_enough =
            !r.curve.empty() && static_cast<double>(r.curve.back().first) * forecast_horizon >= static_cast<double>(step_max);
        auto f = near_enough ? scheduling::forecast_loss(r.curve, step_max) : std::nullopt;
        if (f && std::isfinite(f->loss)) {
          seen.status = "ok";
          seen.loss = f->loss;
          ++view.observed;
        } else {
          ++view.left_out;
          seen.status = "stopped";
        }
      }
      seen_records.push_back(std::move(seen));
    }
    if (view.observed >= min_points) {
      view.records = std::move(seen_records);
      return view;
    }
  }
  levels.push_back(step_max);
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  auto count_at = [&](std::int64_t level) {
    int n = 0;
    for (const auto& r : evaluations)
      if (loss_at(r, level, step_max)) ++n;
    return n;
  };
  FidelityModelView view;
  int best_count = -1;
  for (auto it = levels.rbegin(); it != levels.rend(); ++it) {
    const int n = count_at(*it);
    if (n >= min_points) {
      view.level = *it;
      best_count = n;
      break;
    }
    if (n > best_count) {
      best_count = n;
      view.level = *it;
    }
  }
  for (const auto& r : evaluations) {
    EvaluationRecord seen = r;
    if (auto loss = loss_at(r, view.level, step_max)) {
      seen.status = "ok";
      seen.loss = loss;
      ++view.observed;
    } else if (!r.failed()) {
      // Stopped below the level (or full-length without a loss there): not fitted, but passed on
      // as stopped, so the proposer keeps new points away from it (ProposalRequest::avoid).
      ++view.left_out;
      seen.status = "stopped";
    }
    view.records.push_back(std::move(seen));
  }
  return view;
}

}  // namespace quante::tuner
