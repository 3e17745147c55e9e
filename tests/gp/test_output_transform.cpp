// Output transforms: ranking by loss value (not arrival), Log's domain, round trips, monotonicity.
#include <catch2/catch.hpp>

#include "normal.hpp"
#include "output_transform.hpp"

#include <cmath>

using namespace quante::opt;

namespace {

FittedOutputTransform fitted(OutputTransform kind, const Eigen::VectorXd& y) {
  auto t = FittedOutputTransform::fit(kind, y);
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
  for (auto kind : {OutputTransform::Standardize, OutputTransform::Log, OutputTransform::RankNormal}) {
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
  for (auto kind : {OutputTransform::Standardize, OutputTransform::Log, OutputTransform::RankNormal}) {
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
