#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <spdlog/fmt/fmt.h>

namespace quante::tuner {

namespace {

double symlog(double v, double c) { return std::copysign(std::log10(1.0 + std::abs(v) / c), v); }
double symlog_inverse(double t, double c) { return std::copysign(c * (std::pow(10.0, std::abs(t)) - 1.0), t); }

std::string tick_label(double v) {
  if (v == 0) return "0";
  return fmt::format("{:.6g}", v);
}

std::string coord(double v) { return fmt::format("{:.2f}", v); }

}  // namespace

double Axis::transform(double v) const { return scale == AxisScale::SymLog ? symlog(v, linthresh) : v; }

std::vector<double> nice_ticks(double low, double high, int target) {
  if (!std::isfinite(low) || !std::isfinite(high)) return {};
  if (!(high > low)) return {low};
  const double raw = (high - low) / std::max(1, target - 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  const double step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * magnitude;
  std::vector<double> ticks;
  const double first = std::ceil(low / step - 1e-9);
  for (double k = first; k * step <= high + step * 1e-9 && ticks.size() < 1000; k += 1) {
    double v = k * step;
    if (std::abs(v) < step * 1e-9) v = 0;  // no "-0" or 1e-17 label
    ticks.push_back(v);
  }
  return ticks;
}

std::vector<double> Axis::ticks(int target) const {
  if (scale == AxisScale::Linear) return nice_ticks(low, high, target);
  // SymLog: 0 when shown, and the powers of ten of magnitude at least c on either side.
  std::vector<double> positive, negative;
  const int top = static_cast<int>(std::ceil(std::log10(std::max({std::abs(low), std::abs(high), linthresh}))));
  const int bottom = static_cast<int>(std::floor(std::log10(linthresh)));
  for (int k = bottom; k <= top; ++k) {
    const double v = std::pow(10.0, k);
    if (v < linthresh * (1 - 1e-9)) continue;
    if (v >= low && v <= high) positive.push_back(v);
    if (-v >= low && -v <= high) negative.push_back(-v);
  }
  const std::size_t decades = positive.size() + negative.size();
  const std::size_t stride = std::max<std::size_t>(1, (decades + static_cast<std::size_t>(target) - 1) / static_cast<std::size_t>(target));
  std::vector<double> ticks;
  for (std::size_t i = 0; i < negative.size(); i += stride) ticks.push_back(negative[negative.size() - 1 - i]);
  std::reverse(ticks.begin(), ticks.end());
  if (low <= 0 && high >= 0) ticks.push_back(0);
  for (std::size_t i = 0; i < positive.size(); i += stride) ticks.push_back(positive[i]);
  std::sort(ticks.begin(), ticks.end());
  if (ticks.size() < 2) return nice_ticks(low, high, target);
  return ticks;
}

Axis fit_axis(const std::vector<double>& values, bool allow_symlog, bool force_symlog) {
  Axis axis;
  double low = std::numeric_limits<double>::infinity(), high = -low;
  double max_abs = 0, min_nonzero = std::numeric_limits<double>::infinity();
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    low = std::min(low, v);
    high = std::max(high, v);
    max_abs = std::max(max_abs, std::abs(v));
    if (v != 0) min_nonzero = std::min(min_nonzero, std::abs(v));
  }
  if (!(low <= high)) return axis;  // no values: [0, 1]
  if (allow_symlog && std::isfinite(min_nonzero) && (force_symlog || max_abs >= 1000 * min_nonzero)) {
    axis.scale = AxisScale::SymLog;
    axis.linthresh = force_symlog ? std::max(min_nonzero * 1e-2, max_abs * 1e-12) : std::max(min_nonzero, max_abs * 1e-9);
    const double tlow = symlog(low, axis.linthresh), thigh = symlog(high, axis.linthresh);
    const double pad = 0.05 * (thigh - tlow);
    axis.low = symlog_inverse(tlow - pad, axis.linthresh);
    axis.high = symlog_inverse(thigh + pad, axis.linthresh);
    return axis;
  }
  if (low == high) {
    const double pad = low == 0 ? 1.0 : 0.1 * std::abs(low);
    axis.low = low - pad;
    axis.high = high + pad;
  } else {
    const double pad = 0.05 * (high - low);
    axis.low = low - pad;
    axis.high = high + pad;
  }
  return axis;
}

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters other than tab and newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n') out += ' ';
        else out += ch;
    }
  }
  return out;
}

namespace {

constexpr double kLeft = 84, kRight = 24, kTop = 34, kBottom = 52, kTitle = 40;
constexpr const char* kFont = "font-family=\"sans-serif\"";

void render_panel(std::string& svg, const Panel& panel, double top, double width, double height) {
  const double x0 = kLeft, x1 = width - kRight, y0 = top + kTop, y1 = top + height - kBottom;
  svg += fmt::format("<g class=\"panel\">\n<text x=\"{}\" y=\"{}\" {} font-size=\"14\">{}</text>\n", coord(x0),
                     coord(top + 22), kFont, xml_escape(panel.title));
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"white\" stroke=\"#444\"/>\n", coord(x0),
                     coord(y0), coord(x1 - x0), coord(y1 - y0));

  std::vector<double> xs, ys;
  for (const auto& s : panel.series)
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
        xs.push_back(s.x[i]);
        ys.push_back(s.y[i]);
      }
  if (xs.empty()) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" {} font-size=\"13\" fill=\"#666\">{}</text>\n</g>\n",
                       coord((x0 + x1) / 2), coord((y0 + y1) / 2), kFont, xml_escape(panel.empty_message));
    return;
  }
  const Axis xa = fit_axis(xs, false);
  const Axis ya = fit_axis(ys, panel.y_symlog_allowed || panel.y_symlog_forced, panel.y_symlog_forced);
  const double txl = xa.transform(xa.low), txh = xa.transform(xa.high);
  const double tyl = ya.transform(ya.low), tyh = ya.transform(ya.high);
  auto px = [&](double v) { return x0 + (xa.transform(v) - txl) / (txh - txl) * (x1 - x0); };
  auto py = [&](double v) { return y1 - (ya.transform(v) - tyl) / (tyh - tyl) * (y1 - y0); };

  for (double t : xa.ticks(8)) {
    const double x = px(t);
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#e4e4e4\"/>"
                       "<line x1=\"{0}\" y1=\"{2}\" x2=\"{0}\" y2=\"{3}\" stroke=\"#444\"/>"
                       "<text x=\"{0}\" y=\"{4}\" text-anchor=\"middle\" {5} font-size=\"11\">{6}</text>\n",
                       coord(x), coord(y0), coord(y1), coord(y1 + 5), coord(y1 + 18), kFont, xml_escape(tick_label(t)));
  }
  for (double t : ya.ticks(6)) {
    const double y = py(t);
    svg += fmt::format("<line x1=\"{1}\" y1=\"{0}\" x2=\"{2}\" y2=\"{0}\" stroke=\"#e4e4e4\"/>"
                       "<line x1=\"{3}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#444\"/>"
                       "<text x=\"{4}\" y=\"{5}\" text-anchor=\"end\" {6} font-size=\"11\">{7}</text>\n",
                       coord(y), coord(x0), coord(x1), coord(x0 - 5), coord(x0 - 8), coord(y + 4), kFont,
                       xml_escape(tick_label(t)));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" {} font-size=\"12\">{}</text>\n", coord((x0 + x1) / 2),
                     coord(y1 + 38), kFont, xml_escape(panel.x_label));
  const std::string y_label = panel.y_label + (ya.scale == AxisScale::SymLog ? " (symlog)" : "");
  svg += fmt::format("<text x=\"{0}\" y=\"{1}\" transform=\"rotate(-90 {0} {1})\" text-anchor=\"middle\" {2} font-size=\"12\">{3}</text>\n",
                     coord(18), coord((y0 + y1) / 2), kFont, xml_escape(y_label));

  for (const auto& s : panel.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    if (n == 0) continue;
    if (s.kind == Series::Kind::Dots) {
      svg += fmt::format("<g class=\"{}\" fill=\"{}\" fill-opacity=\"{}\">\n", xml_escape(s.css_class), s.color, s.opacity);
      for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]))
          svg += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"2.6\"/>\n", coord(px(s.x[i])), coord(py(s.y[i])));
      svg += "</g>\n";
      continue;
    }
    // Non-finite points (a diverged loss) are left out: "nan" is no SVG coordinate.
    std::string points;
    std::size_t vertices = 0;
    double last_x = 0, last_y = 0;
    std::optional<double> previous_y;
    auto add = [&](double x, double y) {
      if (!points.empty()) points += ' ';
      points += coord(px(x)) + "," + coord(py(y));
      ++vertices;
      last_x = x;
      last_y = y;
    };
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      if (s.kind == Series::Kind::Step && previous_y) add(s.x[i], *previous_y);
      add(s.x[i], s.y[i]);
      previous_y = s.y[i];
    }
    if (vertices == 0) continue;
    svg += fmt::format("<polyline class=\"{}\" fill=\"none\" stroke=\"{}\" stroke-opacity=\"{}\" stroke-width=\"{}\" "
                       "stroke-linejoin=\"round\" points=\"{}\"/>\n",
                       xml_escape(s.css_class), s.color, s.opacity, s.stroke_width, points);
    if (s.end_marker)
      svg += fmt::format("<circle class=\"{}-end\" cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{}\" fill-opacity=\"{}\"/>\n",
                         xml_escape(s.css_class), coord(px(last_x)), coord(py(last_y)), s.color, std::max(s.opacity, 0.8));
    else if (vertices == 1)  // a one-vertex polyline draws nothing: mark the point
      svg += fmt::format("<circle class=\"{}-marker\" cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\"/>\n", xml_escape(s.css_class),
                         coord(px(last_x)), coord(py(last_y)), s.color);
  }

  // The legend sits above the frame, right-aligned on the title's line, so it never hides data.
  double legend_x = x1;
  const double legend_y = top + 22;
  for (auto it = panel.series.rbegin(); it != panel.series.rend(); ++it) {
    const auto& s = *it;
    if (s.label.empty()) continue;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" {} font-size=\"11\">{}</text>", coord(legend_x),
                       coord(legend_y), kFont, xml_escape(s.label));
    legend_x -= 6.2 * static_cast<double>(s.label.size()) + 24;  // about the width of 11 px sans-serif
    if (s.kind == Series::Kind::Dots)
      svg += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{}\" fill-opacity=\"{}\"/>\n", coord(legend_x + 12),
                         coord(legend_y - 4), s.color, std::max(s.opacity, 0.5));
    else
      svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"/>\n",
                         coord(legend_x + 2), coord(legend_y - 4), coord(legend_x + 20), s.color);
    legend_x -= 16;
  }
  svg += "</g>\n";
}

}  // namespace

std::string render_svg(const Figure& figure) {
  const double width = std::max(figure.width, 300);
  const double panel_height = std::max(figure.panel_height, 160);
  const double height = kTitle + panel_height * static_cast<double>(std::max<std::size_t>(1, figure.panels.size()));
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\">\n",
      width, height);
  svg += fmt::format("<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n", xml_escape(figure.title));
  svg += fmt::format("<text x=\"{}\" y=\"26\" text-anchor=\"middle\" {} font-size=\"17\" font-weight=\"bold\">{}</text>\n",
                     coord(width / 2), kFont, xml_escape(figure.title));
  double top = kTitle;
  for (const auto& panel : figure.panels) {
    render_panel(svg, panel, top, width, panel_height);
    top += panel_height;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace quante::tuner
