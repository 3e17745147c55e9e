// `quante-tuner report ... --html FILE`: the whole report as one self-contained HTML page, for a
// browser with no network: inline CSS, inline SVG plots (convergence on a linear or a log loss
// axis, a checkbox chooses; parallel coordinates; one slice per parameter; parameter importance
// from the GP's lengthscales; learning curves when trials reported steps), the summary, the
// top-k table and the failures with their reasons. The only script is the checkbox's one line.
// Nothing in the page refers to another file or address: an <svg> inlined in HTML needs no xmlns.
//
// plots_html() is the plots part alone; the live dashboard (tuner/dashboard/) serves it too.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "history.hpp"
#include "study.hpp"

namespace quante::tuner {

// The plot sections, each a <section class="plot" id="plot-NAME">: convergence, parallel,
// slices, importance, curves (only when a trial reported a curve).
std::string plots_html(const Study& study, const std::vector<EvaluationRecord>& records);

// The page. `top`: rows of the top-k table.
std::string html_report(const Study& study, const std::vector<EvaluationRecord>& records, int top);

// An SVG document made fit to inline in HTML: without its xmlns declaration.
std::string inline_svg(std::string svg);

// The CSS the page and the dashboard share.
const char* report_css();

// Writes html_report() to `path`; false (the reason on `err`) when it cannot.
bool write_html_report(const std::string& path, const Study& study, const std::vector<EvaluationRecord>& records, int top,
                       std::ostream& err);

}  // namespace quante::tuner
