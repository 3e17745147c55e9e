// See html_report.hpp.
#include "html_report.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include <spdlog/fmt/fmt.h>

#include "convergence.hpp"
#include "learning_curves.hpp"
#include "param_importance.hpp"
#include "report.hpp"
#include "study_plots.hpp"
#include "svg_plot.hpp"

namespace quante::tuner {

namespace {

std::string esc(const std::string& text) { return xml_escape(text); }
std::string number(double v) { return fmt::format("{:.6g}", v); }

std::string value_text(const ParamValue& value) {
  if (const auto* d = std::get_if<double>(&value)) return number(*d);
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  return std::get<std::string>(value);
}

std::string section(const std::string& id, const std::string& title, const std::string& body) {
  return fmt::format("<section class=\"plot\" id=\"plot-{}\">\n<h2>{}</h2>\n{}</section>\n", id, esc(title), body);
}

std::string failures_table(const std::vector<EvaluationRecord>& records) {
  constexpr std::size_t kShown = 200;
  std::vector<const EvaluationRecord*> failed;
  for (const auto& r : records)
    if (r.failed()) failed.push_back(&r);
  if (failed.empty()) return "<p>No failed evaluation.</p>\n";
  std::string html = "<table class=\"failures\"><tr><th>index</th><th>job</th><th>class</th><th>reason</th><th>worker</th></tr>\n";
  const std::size_t first = failed.size() > kShown ? failed.size() - kShown : 0;
  for (std::size_t i = first; i < failed.size(); ++i) {
    const auto* r = failed[i];
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", r->index, esc(r->job),
                        esc(r->failure.empty() ? "unclassified" : r->failure), esc(r->error), esc(r->worker));
  }
  html += "</table>\n";
  if (first > 0) html += fmt::format("<p>The last {} of {} failures.</p>\n", kShown, failed.size());
  return html;
}

}  // namespace

std::string inline_svg(std::string svg) {
  const std::string xmlns = " xmlns=\"http://www.w3.org/2000/svg\"";
  if (const auto at = svg.find(xmlns); at != std::string::npos) svg.erase(at, xmlns.size());
  return svg;
}

const char* report_css() {
  return R"css(
body { font-family: sans-serif; margin: 1.5em auto; max-width: 1250px; color: #222; background: #fafafa; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin: 0.2em 0 0.5em; }
section { background: white; border: 1px solid #ddd; border-radius: 4px; padding: 0.8em 1em; margin: 1em 0; overflow-x: auto; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 0.25em 1.2em; margin: 0; }
dl.summary dt { font-weight: bold; } dl.summary dd { margin: 0; }
table { border-collapse: collapse; font-size: 0.9em; } th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
p.note { font-size: 0.85em; color: #555; max-width: 60em; }
svg { max-width: 100%; height: auto; }
body.log .conv-linear { display: none; } body:not(.log) .conv-log { display: none; }
.axis-choice { font-size: 0.9em; }
)css";
}

std::string plots_html(const Study& study, const std::vector<EvaluationRecord>& records) {
  std::string html;
  html += section("convergence", "Convergence",
                  "<label class=\"axis-choice\"><input type=\"checkbox\" class=\"log-axis\" "
                  "onchange=\"document.body.classList.toggle('log', this.checked)\"> log loss axis</label>\n"
                  "<div class=\"conv-linear\">" + inline_svg(convergence_svg(study, records, LossAxis::Linear)) +
                      "</div>\n<div class=\"conv-log\">" + inline_svg(convergence_svg(study, records, LossAxis::Log)) + "</div>\n");
  html += section("parallel", "Parallel coordinates", inline_svg(parallel_coordinates_svg(study, records)));
  html += section("slices", "Slices: loss against each parameter", inline_svg(slice_plots_svg(study, records)));
  html += section("importance", "Parameter importance",
                  inline_svg(importance_svg(study, parameter_importance(study, records))) + "<p class=\"note\">" +
                      esc(importance_explanation()) + "</p>\n");
  if (any_curve(records))
    html += section("curves", "Learning curves", inline_svg(learning_curves_svg(study, records)));
  return html;
}

std::string html_report(const Study& study, const std::vector<EvaluationRecord>& records, int top) {
  const ReportData data = summarize(study, records, top);
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += fmt::format("<title>{}: quante-tuner report</title>\n<style>{}</style>\n</head>\n<body>\n", esc(study.name), report_css());
  html += fmt::format("<h1>Study {}</h1>\n<section id=\"summary\">\n<dl class=\"summary\">\n", esc(study.name));
  auto row = [&](const std::string& term, const std::string& value) {
    html += fmt::format("<dt>{}</dt><dd>{}</dd>\n", esc(term), value);
  };
  row("objective", esc(data.objective) + (data.direction == Direction::Minimize ? " (minimize)" : " (maximize)"));
  row("evaluations", fmt::format("<span id=\"count\">{}</span>: {} ok, {} stopped, {} failed", data.evaluations, data.ok,
                                 data.stopped, data.failed));
  if (data.elapsed_s)
    row("elapsed", esc(format_duration(*data.elapsed_s) + ", " + format_time(*data.first_time) + " to " + format_time(*data.last_time)));
  if (data.best) {
    std::string point;
    for (const auto& [name, value] : data.best->params) point += (point.empty() ? "" : ", ") + name + "=" + value_text(value);
    row("best", fmt::format("loss <span id=\"best-loss\" data-loss=\"{:.17g}\">{}</span> (index {}, job {}{}) at {}", *data.best->loss,
                            number(*data.best->loss), data.best->index, esc(data.best->job),
                            data.best->worker.empty() ? "" : ", worker " + esc(data.best->worker), esc(point)));
  } else {
    row("best", "<span id=\"best-loss\">none</span>: no successful evaluation yet");
  }
  if (data.steps) {
    const auto& s = *data.steps;
    row("steps", fmt::format("{} run of {} at full length{}", s.consumed, s.full_length,
                             s.saved_fraction() ? fmt::format(" ({:.1f}% saved by early stopping)", 100 * *s.saved_fraction()) : ""));
  }
  html += "</dl>\n</section>\n";
  html += plots_html(study, records);

  html += fmt::format("<section id=\"top\"><h2>Top {} of {} ok ({} loss first)</h2>\n<table><tr><th>rank</th><th>loss</th>",
                      data.top.size(), data.ok, data.direction == Direction::Minimize ? "lowest" : "highest");
  for (const auto& p : study.space.params()) html += "<th>" + esc(p.name) + "</th>";
  html += "<th>job</th><th>worker</th></tr>\n";
  for (std::size_t i = 0; i < data.top.size(); ++i) {
    const auto& r = data.top[i];
    html += fmt::format("<tr><td class=\"num\">{}</td><td class=\"num\">{}</td>", i + 1, number(*r.loss));
    for (const auto& p : study.space.params()) {
      const auto it = r.params.find(p.name);
      html += "<td class=\"num\">" + (it == r.params.end() ? std::string("-") : esc(value_text(it->second))) + "</td>";
    }
    html += "<td>" + esc(r.job) + "</td><td>" + esc(r.worker) + "</td></tr>\n";
  }
  html += "</table>\n</section>\n";
  html += "<section id=\"failures\"><h2>Failures</h2>\n" + failures_table(records) + "</section>\n";
  html += "</body>\n</html>\n";
  return html;
}

bool write_html_report(const std::string& path, const Study& study, const std::vector<EvaluationRecord>& records, int top,
                       std::ostream& err) {
  const std::string html = html_report(study, records, top);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (file) file << html;
  file.flush();
  if (!file) {
    err << "quante-tuner report: cannot write the HTML report " << path << ": " << std::strerror(errno) << "\n";
    return false;
  }
  return true;
}

}  // namespace quante::tuner
