// A small self-contained SVG chart writer: stacked panels of dots, lines and step lines, with
// framed axes, "nice" ticks, labels and a title. No fonts, scripts or stylesheets are referenced,
// so the file renders the same in a browser, an image viewer or a report. It knows nothing of
// studies; tuner/convergence.* builds the figure it draws.
//
// Y axes are linear, or symlog when the values span many orders of magnitude (losses that start
// at 1e3 and end at 1e-4 would otherwise be a flat line at zero). symlog (Hunter's matplotlib
// "symlog"): t(v) = sign(v) * log10(1 + |v| / c), linear within about c of zero, logarithmic beyond,
// and defined for zero and negative values, which a plain log axis is not.
#pragma once

#include <string>
#include <vector>

namespace quante::tuner {

enum class AxisScale { Linear, SymLog };

struct Axis {
  double low = 0, high = 1;       // data range shown, in data units
  AxisScale scale = AxisScale::Linear;
  double linthresh = 1;           // SymLog: c in t(v) above

  double transform(double v) const;                  // data -> axis units (identity when Linear)
  std::vector<double> ticks(int target = 6) const;   // tick positions, in data units, inside [low, high]
};

// 1-2-5 ticks covering [low, high], about `target` of them; low == high gives one tick.
std::vector<double> nice_ticks(double low, double high, int target);

// An axis that shows every value with a margin. Symlog (when allowed) is chosen when the largest
// magnitude is at least 1000 times the smallest non-zero one; c is then that smallest magnitude,
// but at least 1e-9 of the largest. A single value (or none) gets a padded range around it.
// force_symlog (a log axis chosen by the reader): symlog whatever the span, with c a hundredth of
// the smallest magnitude, so that every non-zero value sits on the logarithmic part.
Axis fit_axis(const std::vector<double>& values, bool allow_symlog, bool force_symlog = false);

struct Series {
  enum class Kind { Dots, Line, Step };
  Kind kind = Kind::Line;
  std::string label;              // for the legend; empty: not in the legend
  std::string css_class;          // class attribute of the element(s), for tools and tests
  std::string color = "#1f77b4";
  double opacity = 1.0;
  std::vector<double> x, y;       // same length; Step draws (x0,y0) (x1,y0) (x1,y1) ... (2n-1 vertices);
                                  // Line and Step leave out a point with a non-finite coordinate
  // Last, so that the brace-initialised series above stay as they were.
  double stroke_width = 2;        // Line and Step
  bool end_marker = false;        // Line and Step: a dot on the last drawn vertex (class CSS_CLASS-end)
};

struct Panel {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  std::string empty_message = "no data";   // drawn instead of the axes when no series has a point
  bool y_symlog_allowed = true;
  bool y_symlog_forced = false;            // a log loss axis by choice (fit_axis's force_symlog)
};

struct Figure {
  std::string title;
  std::vector<Panel> panels;      // stacked top to bottom
  int width = 820;
  int panel_height = 330;
};

std::string render_svg(const Figure& figure);

// Text safe inside an XML element or attribute.
std::string xml_escape(const std::string& text);

}  // namespace quante::tuner
