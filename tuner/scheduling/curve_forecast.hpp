// A trial's loss at a later step, forecast from its learning curve so far: the power law
//   loss(t) = a + b * t^(-c),    c in [0.05, 3]
// fitted by least squares (for each c of a log-spaced grid, a and b in closed form; the c with
// the smallest squared error wins). Power laws are the usual description of how training and
// validation losses fall with steps (Domhan, Springenberg & Hutter 2015 fit a family of such
// curves; Hestness et al. 2017 and Kaplan et al. 2020 for loss against steps); they are not the
// shape of the builtin:curve family (exponential decay, curve_objective.hpp), so the benchmark on
// that family judges the forecast on curves it was not written for.
//
// At least kMinPoints points at distinct steps are needed (three parameters). A curve that rises
// (b < 0: overfitting) forecasts a rise. Pure math: no clocks, no logging.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace quante::tuner::scheduling {

struct CurveForecast {
  double loss = 0;       // at the target step
  double rms_error = 0;  // of the fit on the points given
  double a = 0, b = 0, c = 0;
};

inline constexpr std::size_t kMinForecastPoints = 3;

// `curve`: (step, loss) with steps increasing and >= 1; non-finite losses make it unforecastable.
// nullopt with fewer than kMinForecastPoints points, or when target_step is not beyond the last.
std::optional<CurveForecast> forecast_loss(const std::vector<std::pair<std::int64_t, double>>& curve,
                                           std::int64_t target_step);

}  // namespace quante::tuner::scheduling
