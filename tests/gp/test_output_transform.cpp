// Output transforms: ranking by loss value (not arrival), Log's domain, round trips, monotonicity.
#include <catch2/catch.hpp>

#include "normal.hpp"
#include "output_transform.hpp"

#include <cmath>
#include <vector>

using namespace quante::opt;

namespace {

FittedOutputTransform fitted(OutputTransform kind, const Eigen::VectorXd& y, PriorMean prior_mean = PriorMean::Mean) {
  auto t = FittedOutputTransform::fit(kind, y, prior_mean);
  if (auto* e = std::get_if<TransformError>(&t)) FAIL(e->message);
  return std::get<FittedOutputTransform>(t);
}

}  // namespace

TEST_CASE("RankNormal ranks by loss value, not arrival order", "[gp][transform]") {
  const Eigen::Vector3d y(3.0, 1.0, 2.0);
  const auto t = fitted(OutputTransform::RankNormal, y);
  const Eigen::VectorXd& z = t.targets();
  CHECK(z(0) > 0.0);
  CHECK(z(1) < 0.0);
  CHECK(std::abs(z(2)) < 1e-12);
  CHECK(z(0) == Approx(normal_quantile(2.5 / 3.0)).epsilon(1e-12));
  CHECK(z(1) == Approx(normal_quantile(0.5 / 3.0)).epsilon(1e-12));
  CHECK(z(0) == Approx(-z(1)).epsilon(1e-12));
}

TEST_CASE("RankNormal averages tied ranks", "[gp][transform]") {
  Eigen::VectorXd y(4);
  y << 5.0, 1.0, 5.0, 2.0;  // ranks 3.5, 1, 3.5, 2
  const auto t = fitted(OutputTransform::RankNormal, y);
  CHECK(t.targets()(0) == t.targets()(2));
  CHECK(t.targets()(0) == Approx(normal_quantile(3.0 / 4.0)).epsilon(1e-12));
  CHECK(t.targets()(3) == Approx(normal_quantile(1.5 / 4.0)).epsilon(1e-12));
  // New losses: the same score for a training value, interpolated between, beyond the extremes
  // below/above every training score.
  CHECK(t.apply(2.0) == t.targets()(3));
  CHECK(t.apply(1.5) > t.targets()(1));
  CHECK(t.apply(1.5) < t.targets()(3));
  CHECK(t.apply(0.1) < t.targets()(1));
  CHECK(t.apply(9.0) > t.targets()(0));
  CHECK(t.invert(t.apply(3.0)) == Approx(3.0));
}

TEST_CASE("Every transform is monotone increasing and keeps the minimiser", "[gp][transform]") {
  Eigen::VectorXd y(6);
  y << 0.7, 0.2, 3.0, 1.1, 0.9, 0.25;
  for (auto kind : {OutputTransform::Standardize, OutputTransform::Log, OutputTransform::RankNormal, OutputTransform::Power}) {
    const auto t = fitted(kind, y);
    Eigen::Index i_raw = 0, i_z = 0;
    y.minCoeff(&i_raw);
    t.targets().minCoeff(&i_z);
    CHECK(i_raw == i_z);
    double previous = -INFINITY;
    for (double v = 0.05; v < 4.0; v += 0.01) {
      const double z = t.apply(v);
      CHECK(z >= previous);
      previous = z;
    }
  }
}

TEST_CASE("PriorMean::Max puts the worst loss at zero and changes nothing else", "[gp][transform]") {
  Eigen::VectorXd y(6);
  y << 0.7, 0.2, 3.0, 1.1, 0.9, 0.25;
  for (auto kind : {OutputTransform::Standardize, OutputTransform::Log, OutputTransform::RankNormal, OutputTransform::Power}) {
    const auto mean = fitted(kind, y, PriorMean::Mean);
    const auto max = fitted(kind, y, PriorMean::Max);
    CHECK(mean.prior_mean_shift() == 0.0);
    CHECK(max.prior_mean_shift() == mean.targets().maxCoeff());
    CHECK(max.targets().maxCoeff() == 0.0);
    CHECK(max.targets()(2) == 0.0);  // the worst loss, 3.0
    for (Eigen::Index i = 0; i < y.size(); ++i) {
      CHECK(max.targets()(i) == Approx(mean.targets()(i) - max.prior_mean_shift()).margin(1e-12));
      CHECK(max.apply(y(i)) == Approx(max.targets()(i)).margin(1e-12));
      CHECK(max.invert(max.targets()(i)) == Approx(y(i)).epsilon(1e-9));
    }
    // Between and beyond the training losses too (RankNormal clamps beyond its range).
    for (double v : {0.22, 0.5, 1.7, 2.9})
      CHECK(max.invert(max.apply(v)) == Approx(kind == OutputTransform::RankNormal ? mean.invert(mean.apply(v)) : v).epsilon(1e-9));
    CHECK(std::isnan(max.apply(NAN)));
  }
}

TEST_CASE("Transform and prior-mean names parse, others are refused", "[gp][transform]") {
  CHECK(parse_output_transform("standardize") == OutputTransform::Standardize);
  CHECK(parse_output_transform("rank_normal") == OutputTransform::RankNormal);
  CHECK(parse_output_transform("log") == OutputTransform::Log);
  CHECK(parse_output_transform("power") == OutputTransform::Power);
  CHECK_FALSE(parse_output_transform("sqrt").has_value());
  CHECK(parse_prior_mean("mean") == PriorMean::Mean);
  CHECK(parse_prior_mean("max") == PriorMean::Max);
  CHECK_FALSE(parse_prior_mean("zero").has_value());
}

TEST_CASE("Log refuses non-positive losses with an error value", "[gp][transform]") {
  Eigen::Vector3d y(0.5, 0.0, 2.0);
  auto t = FittedOutputTransform::fit(OutputTransform::Log, y);
  REQUIRE(std::holds_alternative<TransformError>(t));
  CHECK(std::get<TransformError>(t).message.find("positive") != std::string::npos);
  y(1) = -3.0;
  CHECK(std::holds_alternative<TransformError>(FittedOutputTransform::fit(OutputTransform::Log, y)));
  const auto ok = fitted(OutputTransform::Log, Eigen::Vector3d(0.5, 1.0, 2.0));
  CHECK(std::isnan(ok.apply(-1.0)));
  CHECK(ok.targets().mean() == Approx(0.0).margin(1e-12));
  CHECK(ok.invert(ok.apply(1.7)) == Approx(1.7).epsilon(1e-12));
}

TEST_CASE("Non-finite losses are refused by every transform", "[gp][transform]") {
  const Eigen::Vector3d y(0.5, std::nan(""), 2.0);
  for (auto kind : {OutputTransform::Standardize, OutputTransform::Log, OutputTransform::RankNormal, OutputTransform::Power}) {
    CHECK(std::holds_alternative<TransformError>(FittedOutputTransform::fit(kind, y)));
  }
}

TEST_CASE("Standardize round-trips and has zero mean, unit variance", "[gp][transform]") {
  Eigen::VectorXd y(5);
  y << 10.0, 12.0, 9.0, 15.0, 11.5;
  const auto t = fitted(OutputTransform::Standardize, y);
  CHECK(t.targets().mean() == Approx(0.0).margin(1e-12));
  CHECK((t.targets().array().square().mean()) == Approx(1.0).epsilon(1e-12));
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    CHECK(t.apply(y(i)) == Approx(t.targets()(i)).epsilon(1e-14));
    CHECK(t.invert(t.targets()(i)) == Approx(y(i)).epsilon(1e-14));
  }
  // Constant losses: unit scale, no division by zero.
  const auto c = fitted(OutputTransform::Standardize, Eigen::Vector3d(2.0, 2.0, 2.0));
  CHECK(c.targets().isZero());
  CHECK(c.apply(3.0) == Approx(1.0));
}

namespace {

// The Yeo-Johnson profile log-likelihood, written out from the paper's definition, as the
// reference the fitted lambda must maximise.
double reference_log_likelihood(const std::vector<double>& u, double lambda) {
  std::vector<double> v;
  double jac = 0.0;
  for (double x : u) {
    double t;
    if (x >= 0) t = lambda == 0 ? std::log(x + 1) : (std::pow(x + 1, lambda) - 1) / lambda;
    else t = lambda == 2 ? -std::log(1 - x) : -(std::pow(1 - x, 2 - lambda) - 1) / (2 - lambda);
    v.push_back(t);
    jac += (x >= 0 ? 1.0 : -1.0) * std::log(std::abs(x) + 1);
  }
  double mean = 0, var = 0;
  for (double t : v) mean += t / static_cast<double>(v.size());
  for (double t : v) var += (t - mean) * (t - mean) / static_cast<double>(v.size());
  return -0.5 * static_cast<double>(v.size()) * std::log(var) + (lambda - 1) * jac;
}

}  // namespace

TEST_CASE("Power: lambda maximises the Yeo-Johnson likelihood, long tails are compressed", "[gp][transform]") {
  // Losses with a long right tail (a few diverged runs), as exp of normal scores.
  Eigen::VectorXd y(40);
  for (int i = 0; i < 40; ++i) y[i] = std::exp(1.5 * normal_quantile((i + 0.5) / 40.0));
  const auto t = fitted(OutputTransform::Power, y);
  CHECK(t.lambda() < 0.8);  // compressing the tail
  // The fitted lambda beats a grid of others on the reference likelihood of the standardized
  // losses, after the far tail's compression (recomputed here from the fence and scale).
  Eigen::VectorXd yc = y;
  const double fence = t.tail_fence(), s = t.tail_scale();
  for (int i = 0; i < 40; ++i)
    if (y[i] > fence) yc[i] = fence + s * std::log1p(std::log1p((y[i] - fence) / s));
  const double mean = yc.mean(), sd = std::sqrt((yc.array() - mean).square().mean());
  std::vector<double> u;
  for (int i = 0; i < 40; ++i) u.push_back((yc[i] - mean) / sd);
  const double best = reference_log_likelihood(u, t.lambda());
  for (double lambda = -2.0; lambda <= 2.0; lambda += 0.05) CHECK(reference_log_likelihood(u, lambda) <= best + 1e-6);
  // Targets are standardized; the good losses are spread wider than Standardize spreads them.
  CHECK(t.targets().mean() == Approx(0.0).margin(1e-12));
  CHECK((t.targets().array() - t.targets().mean()).square().mean() == Approx(1.0).epsilon(1e-9));
  const auto plain = fitted(OutputTransform::Standardize, y);
  CHECK(t.targets()(1) - t.targets()(0) > plain.targets()(1) - plain.targets()(0));
}

TEST_CASE("Power: symmetric losses are left nearly alone, apply and invert round-trip, negatives included",
          "[gp][transform]") {
  Eigen::VectorXd y(41);
  for (int i = 0; i < 41; ++i) y[i] = -3.0 + 0.5 * normal_quantile((i + 0.5) / 41.0);  // negative, normal
  const auto t = fitted(OutputTransform::Power, y);
  CHECK(t.lambda() == Approx(1.0).margin(0.15));
  const auto plain = fitted(OutputTransform::Standardize, y);
  CHECK((t.targets() - plain.targets()).cwiseAbs().maxCoeff() < 0.1);
  for (int i = 0; i < 41; ++i) CHECK(t.apply(y[i]) == Approx(t.targets()(i)).margin(1e-12));
  for (double v : {-5.0, -3.2, -3.0, -2.1, 0.0, 4.0}) CHECK(t.invert(t.apply(v)) == Approx(v).epsilon(1e-9));
  // Tiny sets keep lambda 1 (nothing to fit on).
  CHECK(fitted(OutputTransform::Power, Eigen::Vector2d(1.0, 5.0)).lambda() == 1.0);
}

TEST_CASE("Power: equal losses give no warp, and new losses still map monotonically", "[gp][transform]") {
  const Eigen::VectorXd y = Eigen::VectorXd::Constant(6, 2.5);
  const auto t = fitted(OutputTransform::Power, y);
  CHECK(t.lambda() == 1.0);
  CHECK(t.targets().cwiseAbs().maxCoeff() == 0.0);
  CHECK(t.apply(1.0) < t.apply(2.5));
  CHECK(t.apply(2.5) < t.apply(10.0));
  CHECK(t.apply(10.0) - t.apply(2.5) == Approx(7.5));  // identity up to the shift
}

// Issue 14: one diverged run among good losses. Without the tail compression the Yeo-Johnson
// lambda runs to its bound and the 40 good targets end in a band 0.018 wide, below the noise
// prior's scale (WhiteKernel's median noise level 0.01, a standard deviation of 0.1), where the
// GP cannot rank them.
TEST_CASE("Power keeps good losses resolved beside a diverged one", "[gp][transform]") {
  const double noise_sd = 0.1;  // sqrt of WhiteKernel::kPriorMedian, in standardized units
  Eigen::VectorXd y(41);
  for (int i = 0; i < 40; ++i) y[i] = 0.3 + 0.2 * std::fmod(0.618034 * (i + 1), 1.0);  // spread in [0.3, 0.5]
  y[40] = 1e3;
  for (auto prior : {PriorMean::Mean, PriorMean::Max}) {
    const auto t = fitted(OutputTransform::Power, y, prior);
    const Eigen::VectorXd good = t.targets().head(40);
    // Order kept, strictly.
    for (int a = 0; a < 40; ++a)
      for (int b = 0; b < 40; ++b)
        if (y[a] < y[b]) CHECK(good[a] < good[b]);
    CHECK(t.targets()[40] > good.maxCoeff());
    // The good band is many noise scales wide (it was 0.018 before the compression).
    CHECK(good.maxCoeff() - good.minCoeff() > 10.0 * noise_sd);
    // A good loss's step of 0.01 is at least the noise scale.
    CHECK(t.apply(0.41) - t.apply(0.40) > 0.5 * noise_sd);
    // Round trips through the compressed tail.
    CHECK(t.invert(t.targets()[40]) == Approx(1e3).epsilon(1e-6));
    CHECK(t.invert(t.apply(5e4)) == Approx(5e4).epsilon(1e-6));
    CHECK(std::isfinite(t.tail_fence()));
  }
}

TEST_CASE("Power resolves the good losses when many runs diverge (1e3 .. 1e6)", "[gp][transform]") {
  // 30 good losses and 20 diverged ones spread over three decades.
  Eigen::VectorXd y(50);
  for (int i = 0; i < 30; ++i) y[i] = 0.3 + 0.2 * std::fmod(0.618034 * (i + 1), 1.0);
  for (int i = 0; i < 20; ++i) y[30 + i] = std::pow(10.0, 3.0 + 3.0 * i / 19.0);
  const auto t = fitted(OutputTransform::Power, y, PriorMean::Max);
  const Eigen::VectorXd good = t.targets().head(30);
  CHECK(good.maxCoeff() - good.minCoeff() > 5.0 * 0.1);  // five noise scales
  for (int i = 31; i < 50; ++i) CHECK(t.targets()[i] > t.targets()[i - 1]);  // bad ones keep their order
  CHECK(t.targets().segment(30, 20).minCoeff() > good.maxCoeff());
}

TEST_CASE("Power leaves losses without a far tail uncompressed", "[gp][transform]") {
  Eigen::VectorXd y(6);
  y << 0.7, 0.2, 3.0, 1.1, 0.9, 0.25;  // 3.0 is inside the fence median + 3.5 * 2 (median - q25)
  const auto t = fitted(OutputTransform::Power, y);
  CHECK(std::isinf(t.tail_fence()));
  // Ties at the median (a plateau of failed-to-learn runs) fall back to the standard deviation.
  Eigen::VectorXd plateau(10);
  plateau << 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.3, 0.35, 0.99;
  const auto p = fitted(OutputTransform::Power, plateau);
  CHECK(p.targets()[7] < p.targets()[8]);
  CHECK(p.targets()[8] < p.targets()[0]);
}
