#include "convergence.hpp"

#include <algorithm>

#include <spdlog/fmt/fmt.h>

#include "svg_plot.hpp"

namespace quante::tuner {

namespace {

std::vector<const EvaluationRecord*> in_index_order(const std::vector<EvaluationRecord>& records) {
  std::vector<const EvaluationRecord*> sorted;
  sorted.reserve(records.size());
  for (const auto& r : records) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->index < b->index; });
  return sorted;
}

}  // namespace

std::optional<TimeSpan> time_span(const std::vector<EvaluationRecord>& records) {
  std::optional<TimeSpan> span;
  for (const auto& r : records) {
    const double begin = r.proposed_at > 0 ? r.proposed_at : r.started_at > 0 ? r.started_at : r.finished_at;
    const double end = r.finished_at > 0 ? r.finished_at : r.started_at > 0 ? r.started_at : r.proposed_at;
    if (begin <= 0 && end <= 0) continue;
    if (!span) span = TimeSpan{begin, end};
    span->first = std::min(span->first, begin);
    span->last = std::max(span->last, end);
  }
  return span;
}

std::vector<ConvergencePoint> convergence(const Study& study, const std::vector<EvaluationRecord>& records) {
  const auto span = time_span(records);
  std::vector<ConvergencePoint> points;
  for (const auto* r : in_index_order(records)) {
    if (!r->ok() || !r->loss) continue;
    ConvergencePoint p;
    p.index = r->index;
    if (span && r->finished_at > 0) p.elapsed_s = r->finished_at - span->first;
    p.loss = *r->loss;
    p.best = points.empty() || study.better(p.loss, points.back().best) ? p.loss : points.back().best;
    points.push_back(p);
  }
  return points;
}

std::string convergence_svg(const Study& study, const std::vector<EvaluationRecord>& records, LossAxis axis) {
  const auto points = convergence(study, records);
  const bool maximize = study.direction == Direction::Maximize;

  double max_elapsed = 0;
  for (const auto& p : points)
    if (p.elapsed_s) max_elapsed = std::max(max_elapsed, *p.elapsed_s);
  // The time axis in the unit that keeps its numbers readable.
  const auto [unit, per_unit] = max_elapsed <= 180 ? std::pair{"s", 1.0}
                                : max_elapsed <= 3 * 3600 ? std::pair{"min", 60.0}
                                : max_elapsed <= 72 * 3600 ? std::pair{"h", 3600.0}
                                                           : std::pair{"days", 86400.0};

  auto make_series = [&](bool by_time) {
    Series dots{Series::Kind::Dots, "each evaluation", "loss", "#1f77b4", 0.35, {}, {}};
    Series best{Series::Kind::Step, maximize ? "best so far (max)" : "best so far (min)", "best-so-far", "#d62728", 1.0, {}, {}};
    for (const auto& p : points) {
      if (by_time && !p.elapsed_s) continue;
      const double x = by_time ? *p.elapsed_s / per_unit : p.index;
      dots.x.push_back(x);
      dots.y.push_back(p.loss);
      best.x.push_back(x);
      best.y.push_back(p.best);
    }
    if (by_time) {  // a step line needs its x increasing: results may finish out of index order
      std::vector<std::size_t> order(best.x.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return best.x[a] < best.x[b]; });
      Series sorted = best;
      for (std::size_t i = 0; i < order.size(); ++i) {
        sorted.x[i] = best.x[order[i]];
        const double y = dots.y[order[i]];
        sorted.y[i] = i == 0 || study.better(y, sorted.y[i - 1]) ? y : sorted.y[i - 1];
      }
      best = std::move(sorted);
    }
    return std::vector<Series>{dots, best};
  };

  const std::string empty = points.empty() ? "no successful evaluation" : "no evaluation times recorded";
  Figure figure;
  figure.title = fmt::format("{}: convergence ({} of {} evaluations ok, {})", study.name, points.size(), records.size(),
                             maximize ? "maximize" : "minimize");
  const bool symlog_allowed = axis != LossAxis::Linear, symlog_forced = axis == LossAxis::Log;
  figure.panels.push_back({"best loss against evaluation", "evaluation index", "loss", make_series(false), empty,
                           symlog_allowed, symlog_forced});
  figure.panels.push_back({"best loss against elapsed time", fmt::format("elapsed since the first proposal ({})", unit), "loss",
                           make_series(true), empty, symlog_allowed, symlog_forced});
  return render_svg(figure);
}

}  // namespace quante::tuner
