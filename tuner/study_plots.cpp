// See study_plots.hpp.
#include "study_plots.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <spdlog/fmt/fmt.h>

#include "svg_plot.hpp"

namespace quante::tuner {

namespace {

constexpr const char* kFont = "font-family=\"sans-serif\"";

std::string coord(double v) { return fmt::format("{:.2f}", v); }

std::vector<const EvaluationRecord*> ok_records(const std::vector<EvaluationRecord>& records) {
  std::vector<const EvaluationRecord*> ok;
  for (const auto& r : records)
    if (r.ok() && r.loss && std::isfinite(*r.loss)) ok.push_back(&r);
  std::stable_sort(ok.begin(), ok.end(), [](const auto* a, const auto* b) { return a->index < b->index; });
  return ok;
}

std::string svg_open(double width, double height, const std::string& title) {
  return fmt::format(
             "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\">\n",
             width, height) +
         fmt::format("<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n", xml_escape(title)) +
         fmt::format("<text x=\"{}\" y=\"26\" text-anchor=\"middle\" {} font-size=\"17\" font-weight=\"bold\">{}</text>\n",
                     coord(width / 2), kFont, xml_escape(title));
}

// The position of a record's value on a parameter's axis, 0 (bottom) to 1 (top); NaN when absent.
double axis_position(const ParamSpec& spec, const Params& params) {
  const auto it = params.find(spec.name);
  if (it == params.end()) return std::nan("");
  if (spec.type == ParamType::Categorical) {
    const auto* text = std::get_if<std::string>(&it->second);
    if (!text) return std::nan("");
    const auto at = std::find(spec.choices.begin(), spec.choices.end(), *text);
    if (at == spec.choices.end()) return std::nan("");
    return spec.choices.size() < 2 ? 0.5 : static_cast<double>(at - spec.choices.begin()) / static_cast<double>(spec.choices.size() - 1);
  }
  double v = 0;
  if (const auto* d = std::get_if<double>(&it->second)) v = *d;
  else if (const auto* i = std::get_if<std::int64_t>(&it->second)) v = static_cast<double>(*i);
  else return std::nan("");
  if (!(spec.high > spec.low)) return 0.5;
  if (spec.log && v > 0 && spec.low > 0) return (std::log(v) - std::log(spec.low)) / (std::log(spec.high) - std::log(spec.low));
  return (v - spec.low) / (spec.high - spec.low);
}

std::string bound_label(const ParamSpec& spec, double v) {
  return spec.type == ParamType::Int ? std::to_string(std::llround(v)) : fmt::format("{:.4g}", v);
}

// Red (best, t = 0) to pale blue (worst, t = 1).
std::string rank_color(double t) {
  const double r0 = 0xd6, g0 = 0x27, b0 = 0x28, r1 = 0x9e, g1 = 0xc3, b1 = 0xe6;
  auto mix = [&](double a, double b) { return static_cast<int>(std::lround(a + (b - a) * t)); };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(r0, r1), mix(g0, g1), mix(b0, b1));
}

}  // namespace

std::string parallel_coordinates_svg(const Study& study, const std::vector<EvaluationRecord>& records) {
  const auto ok = ok_records(records);
  const auto& specs = study.space.params();
  const double width = std::max(820.0, 150.0 * static_cast<double>(specs.size() + 1));
  const double height = 460, top = 70, bottom = height - 60, left = 70, right = width - 70;
  std::string svg = svg_open(width, height,
                             fmt::format("{}: parallel coordinates ({} successful evaluations)", study.name, ok.size()));
  const std::size_t axes = specs.size() + 1;
  auto axis_x = [&](std::size_t a) { return axes < 2 ? (left + right) / 2 : left + (right - left) * static_cast<double>(a) / static_cast<double>(axes - 1); };
  auto axis_y = [&](double t) { return bottom - std::clamp(t, 0.0, 1.0) * (bottom - top); };

  double lo = 0, hi = 1;
  if (!ok.empty()) {
    lo = hi = *ok.front()->loss;
    for (const auto* r : ok) {
      lo = std::min(lo, *r->loss);
      hi = std::max(hi, *r->loss);
    }
  }
  auto loss_position = [&](double loss) { return hi > lo ? (loss - lo) / (hi - lo) : 0.5; };

  // Axes with their names and end labels.
  for (std::size_t a = 0; a < axes; ++a) {
    const double x = axis_x(a);
    const bool is_loss = a == specs.size();
    const std::string name = is_loss ? "loss" : specs[a].name + (specs[a].log ? " (log)" : "");
    svg += fmt::format("<g class=\"pc-axis\"><line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#444\"/>"
                       "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\" {4} font-size=\"13\" font-weight=\"bold\">{5}</text>\n",
                       coord(x), coord(top), coord(bottom), coord(top - 14), kFont, xml_escape(name));
    auto label = [&](double t, const std::string& text) {
      svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" {} font-size=\"11\" fill=\"#333\">{}</text>\n",
                         coord(x - 5), coord(axis_y(t) + 4), kFont, xml_escape(text));
    };
    if (is_loss) {
      label(0, fmt::format("{:.4g}", lo));
      label(1, fmt::format("{:.4g}", hi));
    } else if (specs[a].type == ParamType::Categorical) {
      const auto& choices = specs[a].choices;
      for (std::size_t c = 0; c < choices.size(); ++c)
        label(choices.size() < 2 ? 0.5 : static_cast<double>(c) / static_cast<double>(choices.size() - 1), choices[c]);
    } else {
      label(0, bound_label(specs[a], specs[a].low));
      label(1, bound_label(specs[a], specs[a].high));
    }
    svg += "</g>\n";
  }

  if (ok.empty()) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" {} font-size=\"13\" fill=\"#666\">no successful evaluation</text>\n",
                       coord(width / 2), coord((top + bottom) / 2), kFont);
    return svg + "</svg>\n";
  }
  // Worst first, so that the good ones are drawn on top.
  std::vector<const EvaluationRecord*> order = ok;
  std::stable_sort(order.begin(), order.end(), [&](const auto* a, const auto* b) { return study.better(*b->loss, *a->loss); });
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto* r = order[i];
    const bool best = i + 1 == order.size();
    const double t = order.size() < 2 ? 0 : 1.0 - static_cast<double>(i) / static_cast<double>(order.size() - 1);
    std::string points;
    for (std::size_t a = 0; a < axes; ++a) {
      const double p = a == specs.size() ? loss_position(*r->loss) : axis_position(specs[a], r->params);
      if (!std::isfinite(p)) continue;
      points += (points.empty() ? "" : " ") + coord(axis_x(a)) + "," + coord(axis_y(p));
    }
    svg += fmt::format("<polyline class=\"{}\" fill=\"none\" stroke=\"{}\" stroke-opacity=\"{}\" stroke-width=\"{}\" points=\"{}\">"
                       "<title>index {}: loss {:.6g}</title></polyline>\n",
                       best ? "pc-best" : "pc-line", rank_color(t), best ? 1.0 : 0.55, best ? 3 : 1.3, points, r->index, *r->loss);
  }
  return svg + "</svg>\n";
}

std::string slice_plots_svg(const Study& study, const std::vector<EvaluationRecord>& records) {
  const auto ok = ok_records(records);
  const EvaluationRecord* best = nullptr;
  for (const auto* r : ok)
    if (!best || study.better(*r->loss, *best->loss)) best = r;
  Figure figure;
  figure.title = fmt::format("{}: loss against each parameter ({} successful evaluations)", study.name, ok.size());
  figure.panel_height = 260;
  for (const auto& spec : study.space.params()) {
    Series dots{Series::Kind::Dots, "each evaluation", "slice-dots", "#1f77b4", 0.5, {}, {}};
    Series top{Series::Kind::Dots, "best", "slice-best", "#d62728", 1.0, {}, {}};
    std::string x_label = spec.name;
    if (spec.type == ParamType::Categorical) {
      x_label += " (";
      for (std::size_t c = 0; c < spec.choices.size(); ++c) x_label += (c ? ", " : "") + fmt::format("{} = {}", c, spec.choices[c]);
      x_label += ")";
    } else if (spec.log) {
      x_label = "log10(" + spec.name + ")";
    }
    for (const auto* r : ok) {
      const auto it = r->params.find(spec.name);
      if (it == r->params.end()) continue;
      double x = 0;
      if (const auto* d = std::get_if<double>(&it->second)) x = *d;
      else if (const auto* i = std::get_if<std::int64_t>(&it->second)) x = static_cast<double>(*i);
      else {
        const auto at = std::find(spec.choices.begin(), spec.choices.end(), std::get<std::string>(it->second));
        if (at == spec.choices.end()) continue;
        x = static_cast<double>(at - spec.choices.begin());
      }
      if (spec.type != ParamType::Categorical && spec.log) x = x > 0 ? std::log10(x) : std::nan("");
      auto& series = r == best ? top : dots;
      series.x.push_back(x);
      series.y.push_back(*r->loss);
    }
    figure.panels.push_back({"loss against " + spec.name, x_label, "loss", {dots, top}, "no successful evaluation", true});
  }
  return render_svg(figure);
}

std::string importance_svg(const Study& study, const std::variant<ImportanceResult, std::string>& importance) {
  const auto* result = std::get_if<ImportanceResult>(&importance);
  const std::size_t rows = result ? result->params.size() : 1;
  const double width = 820, row_height = 30, top = 56, left = 190, right = width - 190;
  const double height = top + row_height * static_cast<double>(rows) + 30;
  std::string svg = svg_open(width, height,
                             result ? fmt::format("{}: parameter importance (GP lengthscales, {} points)", study.name, result->points)
                                    : fmt::format("{}: parameter importance", study.name));
  if (!result) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" {} font-size=\"13\" fill=\"#666\">{}</text>\n",
                       coord(width / 2), coord(top + 16), kFont, xml_escape("no importance: " + std::get<std::string>(importance)));
    return svg + "</svg>\n";
  }
  std::vector<std::size_t> order(result->params.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](auto a, auto b) { return result->params[a].importance > result->params[b].importance; });
  double y = top;
  for (std::size_t i : order) {
    const auto& p = result->params[i];
    const double w = std::max(0.0, p.importance) * (right - left);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" {} font-size=\"13\">{}</text>\n", coord(left - 8),
                       coord(y + 19), kFont, xml_escape(p.name));
    svg += fmt::format("<rect class=\"importance-bar\" data-param=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#1f77b4\"/>\n",
                       xml_escape(p.name), coord(left), coord(y + 5), coord(w), coord(row_height - 10));
    svg += fmt::format("<text x=\"{}\" y=\"{}\" {} font-size=\"12\">{:.1f}% (lengthscale {:.3g})</text>\n", coord(left + w + 6),
                       coord(y + 19), kFont, 100 * p.importance, p.lengthscale);
    y += row_height;
  }
  return svg + "</svg>\n";
}

}  // namespace quante::tuner
