#include "curve_forecast.hpp"

#include <cmath>
#include <algorithm>

namespace quante::tuner::scheduling {

namespace {

constexpr double kMinExponent = 0.05, kMaxExponent = 3.0;
constexpr int kGridPoints = 96;

struct LinearFit {
  double a, b, sse;
};

// Least squares of y on [1, x].
LinearFit fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
  mx /= n;
  my /= n;
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sxx += (x[i] - mx) * (x[i] - mx), sxy += (x[i] - mx) * (y[i] - my);
  const double b = sxx > 0 ? sxy / sxx : 0.0;
  const double a = my - b * mx;
  double sse = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sse += (a + b * x[i] - y[i]) * (a + b * x[i] - y[i]);
  return {a, b, sse};
}

}  // namespace

std::optional<CurveForecast> forecast_loss(const std::vector<std::pair<std::int64_t, double>>& curve,
                                           std::int64_t target_step) {
  if (curve.size() < kMinForecastPoints || curve.back().first >= target_step) return std::nullopt;
  std::vector<double> steps, losses;
  for (const auto& [step, loss] : curve) {
    if (step < 1 || !std::isfinite(loss) || (!steps.empty() && static_cast<double>(step) <= steps.back()))
      return std::nullopt;
    steps.push_back(static_cast<double>(step));
    losses.push_back(loss);
  }
  std::vector<double> x(steps.size());
  auto fit_at = [&](double c) {
    for (std::size_t i = 0; i < steps.size(); ++i) x[i] = std::pow(steps[i], -c);
    const LinearFit fit = fit_line(x, losses);
    return CurveForecast{fit.a + fit.b * std::pow(static_cast<double>(target_step), -c), fit.sse, fit.a, fit.b, c};
  };
  // The grid finds the basin; a golden-section search between its neighbours refines c.
  const double ratio = std::pow(kMaxExponent / kMinExponent, 1.0 / (kGridPoints - 1.0));
  int best_g = 0;
  CurveForecast best = fit_at(kMinExponent);
  for (int g = 1; g < kGridPoints; ++g) {
    const CurveForecast f = fit_at(kMinExponent * std::pow(ratio, g));
    if (f.rms_error < best.rms_error) best = f, best_g = g;
  }
  double lo = std::log(kMinExponent * std::pow(ratio, std::max(0, best_g - 1)));
  double hi = std::log(kMinExponent * std::pow(ratio, std::min(kGridPoints - 1, best_g + 1)));
  const double golden = (std::sqrt(5.0) - 1) / 2;
  for (int iteration = 0; iteration < 48; ++iteration) {
    const double m1 = hi - golden * (hi - lo), m2 = lo + golden * (hi - lo);
    if (fit_at(std::exp(m1)).rms_error <= fit_at(std::exp(m2)).rms_error) hi = m2;
    else lo = m1;
  }
  if (const CurveForecast f = fit_at(std::exp((lo + hi) / 2)); f.rms_error <= best.rms_error) best = f;
  best.rms_error = std::sqrt(best.rms_error / static_cast<double>(steps.size()));  // held the SSE so far
  return best;
}

}  // namespace quante::tuner::scheduling
