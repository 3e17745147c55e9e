// GpFinalLossForecast (the joint model in the promotion rule, issue 13) against an independent
// reference: the same GP's kernel and targets with the trial's rung losses appended, solved by
// hand (Cholesky of the extended kernel matrix), and the normal CDF of the threshold; plus the
// direction a forecast must move (a trial whose rungs are low beats the threshold more likely).
#include <catch2/catch.hpp>

#include <Eigen/Cholesky>

#include <cmath>

#include "gaussian_process.hpp"
#include "gp_final_loss_forecast.hpp"

using namespace quante;
using namespace quante::tuner;

namespace {

SearchSpace two_floats() {
  ParamSpec a;
  a.name = "a";
  a.type = ParamType::Float;
  a.low = 0.0;
  a.high = 1.0;
  ParamSpec b = a;
  b.name = "b";
  return SearchSpace({a, b});
}

double curve_loss(double a, double b, double s) {
  return (a - 0.3) * (a - 0.3) + (b - 0.6) * (b - 0.6) + (1.0 - s) * (0.5 + a);
}

// Twelve configurations at s = 0, 1/3 (and every third at 1), the joint GP fitted with its tail at 1.
opt::GaussianProcess joint_gp() {
  opt::GpOptions options;
  options.fidelity_kernel = opt::FidelityKernel::Decay;
  options.restarts = 1;
  opt::GaussianProcess gp(options);
  std::vector<Eigen::Vector3d> rows;
  std::vector<double> y;
  for (int i = 0; i < 12; ++i) {
    const double a = std::fmod(0.37 * i + 0.05, 1.0), b = std::fmod(0.61 * i + 0.11, 1.0);
    for (double s : {0.0, 1.0 / 3.0, 1.0}) {
      if (s == 1.0 && i % 3 != 0) continue;
      rows.emplace_back(a, b, s);
      y.push_back(curve_loss(a, b, s));
    }
  }
  Eigen::MatrixXd X(static_cast<Eigen::Index>(rows.size()), 3);
  Eigen::VectorXd Y(static_cast<Eigen::Index>(rows.size()));
  for (std::size_t k = 0; k < rows.size(); ++k) {
    X.row(static_cast<Eigen::Index>(k)) = rows[k].transpose();
    Y(static_cast<Eigen::Index>(k)) = y[k];
  }
  gp.set_query_tail(Eigen::VectorXd::Ones(1));
  gp.fit(X, Y, 5);
  return gp;
}

}  // namespace

TEST_CASE("GpFinalLossForecast: the conditioned posterior at step_max, against a hand solve", "[tuner_state][fidelity]") {
  const opt::GaussianProcess gp = joint_gp();
  const SearchSpace space = two_floats();
  const std::int64_t step_max = 27;
  GpFinalLossForecast forecast(gp, space, step_max, 1.0);
  const Params params{{"a", 0.35}, {"b", 0.55}};
  const std::vector<std::pair<std::int64_t, double>> curve{{1, 0.9}, {3, 0.7}};
  const double threshold = 0.01;  // near the true final loss there (0.005): odds neither 0 nor 1
  const double p = forecast.probability_better(params, curve, threshold);

  // By hand: append the two rows (x, log(step) / log(27)) with their transformed losses.
  const Eigen::Index n = gp.inputs().rows();
  Eigen::MatrixXd X(n + 2, 3);
  X.topRows(n) = gp.inputs();
  X.row(n) << 0.35, 0.55, 0.0;
  X.row(n + 1) << 0.35, 0.55, std::log(3.0) / std::log(27.0);
  Eigen::VectorXd z(n + 2);
  z.head(n) = gp.targets();
  z(n) = gp.transform_loss(0.9);
  z(n + 1) = gp.transform_loss(0.7);
  const Eigen::MatrixXd K = gp.kernel().train(X) + gp.jitter() * Eigen::MatrixXd::Identity(n + 2, n + 2);
  Eigen::MatrixXd q(1, 3);
  q << 0.35, 0.55, 1.0;
  const Eigen::VectorXd k = gp.kernel().cross(X, q).col(0);
  const Eigen::LLT<Eigen::MatrixXd> llt(K);
  const double mean = k.dot(llt.solve(z));
  const double var = gp.kernel().cross(q, q)(0, 0) - k.dot(llt.solve(k));
  const double t = gp.transform_loss(threshold);
  const double expected = 0.5 * std::erfc(-(t - mean) / std::sqrt(2.0 * var));
  CHECK(p == Approx(expected).margin(1e-6));
  CHECK(p > 0.0);
  CHECK(p < 1.0);

  // Lower rung losses, better odds; a maximised study's forecast reads losses the other way.
  const double p_low = forecast.probability_better(params, {{1, 0.6}, {3, 0.45}}, threshold);
  const double p_high = forecast.probability_better(params, {{1, 1.4}, {3, 1.2}}, threshold);
  CHECK(p_low > p);
  CHECK(p_high < p);
}
