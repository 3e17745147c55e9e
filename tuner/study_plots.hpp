// The report's plots of where a study searched, besides convergence (convergence.*) and learning
// curves (learning_curves.*): parallel coordinates, one slice plot per parameter, and parameter
// importance (param_importance.*). Each is a self-contained SVG document with no external
// reference; html_report.* inlines them. Element classes name what is drawn, for tools and tests.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "history.hpp"
#include "param_importance.hpp"
#include "study.hpp"

namespace quante::tuner {

// One vertical axis per parameter and one for the loss; one polyline per successful evaluation,
// coloured by its rank (red best, pale blue worst), the best on top and thicker. Numeric axes run
// from the parameter's low (bottom) to its high (top), on a log scale for a log parameter;
// categorical axes spread the choices evenly. Classes: pc-axis, pc-line, pc-best.
std::string parallel_coordinates_svg(const Study& study, const std::vector<EvaluationRecord>& records);

// One panel per parameter: each successful evaluation's loss against the parameter's value
// (log10 of it for a log parameter; the choice's position for a categorical, named in the axis
// label), the best in red. Classes: slice-dots, slice-best (one group of each per panel).
std::string slice_plots_svg(const Study& study, const std::vector<EvaluationRecord>& records);

// Horizontal bars, most important first, each labelled with its share and lengthscale; or the
// reason there is none, written in the frame. Classes: importance-bar.
std::string importance_svg(const Study& study, const std::variant<ImportanceResult, std::string>& importance);

}  // namespace quante::tuner
