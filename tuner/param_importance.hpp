// Parameter importance from the GP the tuner fits: how strongly the fitted surrogate's losses
// change along each parameter, read off the kernel's ARD lengthscales.
//
// How. The GP is fitted as the proposal engine fits it (the study's kernel, output transform and
// prior mean, losses signed so that lower is better, inputs encoded into the unit cube by the
// search space) on the successful evaluations (at most max_points of them: the best quarter and
// an even spread of the rest, as ProposalEngine::kModelPoints does for its model). A stationary
// kernel's correlation depends on the scaled distance r^2 = sum_k (x_k - x'_k)^2 / l_k^2, so a
// parameter whose lengthscale l is short changes the prediction much when it moves, and one with a
// long lengthscale (20 is the bound: flat) hardly at all. The raw sensitivity of a parameter is the
// scaled distance a full change of it makes:
//   float or int (one coordinate in [0,1])  s = 1 / l
//   categorical (one-hot over c columns)     s = sqrt(2 * mean_c(1 / l_c^2)), the distance between
//                                            two choices with typical lengthscales
// (where the kernel has several stationary terms, 1/l of a coordinate is summed over them), and
// the importance is s normalised to sum 1 over the parameters. It says what the model believes;
// with few points the lengthscales sit near their prior (median 0.21 sqrt(d)) and the importances
// are nearly equal. A kernel with no lengthscale (DotProduct alone) gives no importance.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "history.hpp"
#include "study.hpp"

namespace quante::tuner {

struct ParamImportance {
  std::string name;
  double importance = 0;      // in [0, 1]; the parameters' sum to 1
  double lengthscale = 0;     // the effective lengthscale 1 / s (unit-cube units)
};

struct ImportanceResult {
  std::vector<ParamImportance> params;   // in the space's order
  int points = 0;                        // successful evaluations the GP was fitted on
  int available = 0;                     // successful evaluations in all
  std::string kernel;                    // the fitted kernel, in kernel-string spelling
};

inline constexpr std::size_t kImportanceMaxPoints = 500;
inline constexpr int kImportanceMinPoints = 5;

// The importances, or why there are none (too few successful evaluations, no lengthscale, a fit
// that failed).
std::variant<ImportanceResult, std::string> parameter_importance(const Study& study,
                                                                 const std::vector<EvaluationRecord>& records,
                                                                 std::size_t max_points = kImportanceMaxPoints);

// One paragraph saying how the importance is computed, for the report and the dashboard.
std::string importance_explanation();

}  // namespace quante::tuner
