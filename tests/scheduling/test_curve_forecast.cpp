// The learning-curve forecast (curve_forecast.hpp) against closed forms and a brute-force search.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include "curve_forecast.hpp"

using quante::tuner::scheduling::forecast_loss;
using Curve = std::vector<std::pair<std::int64_t, double>>;

namespace {

Curve power_curve(double a, double b, double c, std::int64_t last) {
  Curve curve;
  for (std::int64_t t = 1; t <= last; ++t) curve.emplace_back(t, a + b * std::pow(static_cast<double>(t), -c));
  return curve;
}

}  // namespace

TEST_CASE("curve forecast: a noise-free power law is recovered and extrapolated exactly", "[unit][fidelity]") {
  for (double c : {0.12, 0.7, 2.3}) {
    const auto f = forecast_loss(power_curve(0.3, 2.0, c, 9), 27);
    REQUIRE(f);
    CHECK(f->loss == Approx(0.3 + 2.0 * std::pow(27.0, -c)).epsilon(1e-6));
    CHECK(f->c == Approx(c).epsilon(1e-4));
    CHECK(f->rms_error < 1e-7);
  }
  // Three points (three parameters) suffice; uneven steps too.
  const Curve three = {{1, 1.0 + 1.0}, {3, 1.0 + std::pow(3.0, -0.5)}, {9, 1.0 + std::pow(9.0, -0.5)}};
  const auto f = forecast_loss(three, 81);
  REQUIRE(f);
  CHECK(f->loss == Approx(1.0 + 1.0 / 9.0).epsilon(1e-6));
}

TEST_CASE("curve forecast: on a noisy curve it finds the least-squares fit a brute-force search finds", "[unit][fidelity]") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.02);
  Curve curve = power_curve(0.5, 1.5, 0.8, 12);
  for (auto& point : curve) point.second += noise(rng);
  const auto f = forecast_loss(curve, 40);
  REQUIRE(f);
  // Brute force: 200,000 exponents, a and b by the normal equations at each.
  double best_sse = std::numeric_limits<double>::infinity(), best_forecast = 0;
  for (int i = 0; i < 200000; ++i) {
    const double c = 0.05 + (3.0 - 0.05) * i / 199999.0;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    const double n = static_cast<double>(curve.size());
    for (const auto& [t, y] : curve) {
      const double x = std::pow(static_cast<double>(t), -c);
      sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    const double b = (n * sxy - sx * sy) / (n * sxx - sx * sx), a = (sy - b * sx) / n;
    double sse = 0;
    for (const auto& [t, y] : curve) sse += std::pow(a + b * std::pow(static_cast<double>(t), -c) - y, 2);
    if (sse < best_sse) best_sse = sse, best_forecast = a + b * std::pow(40.0, -c);
  }
  CHECK(f->rms_error * f->rms_error * static_cast<double>(curve.size()) <= best_sse * (1 + 1e-6));
  CHECK(f->loss == Approx(best_forecast).margin(1e-3));
}

TEST_CASE("curve forecast: a rising curve forecasts a rise, too little or bad input forecasts nothing", "[unit][fidelity]") {
  const auto rising = forecast_loss(power_curve(1.0, -0.5, 0.6, 6), 30);
  REQUIRE(rising);
  CHECK(rising->loss > 1.0 - 0.5 * std::pow(6.0, -0.6));
  CHECK_FALSE(forecast_loss({{1, 1.0}, {2, 0.8}}, 10));                       // two points
  CHECK_FALSE(forecast_loss(power_curve(0.3, 2.0, 0.7, 9), 9));               // target not beyond the last
  CHECK_FALSE(forecast_loss({{1, 1.0}, {2, std::nan("")}, {3, 0.7}}, 10));    // NaN
  CHECK_FALSE(forecast_loss({{1, 1.0}, {3, 0.8}, {2, 0.7}}, 10));             // steps not increasing
  CHECK_FALSE(forecast_loss({{0, 1.0}, {1, 0.8}, {2, 0.7}}, 10));             // step 0
}
