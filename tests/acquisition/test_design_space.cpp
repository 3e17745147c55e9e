// DesignSpace: snapping to the encoding contract of tuner/space.hpp, keys, random points.
#include <catch2/catch.hpp>

#include "design_space.hpp"

using namespace quante::opt;

namespace {
DesignSpace mixed() {
  return DesignSpace({{VariableKind::Continuous, 0}, {VariableKind::Integer, 4}, {VariableKind::Categorical, 3}});
}
}  // namespace

TEST_CASE("DesignSpace: encoded dimension, snapping and validity", "[space]") {
  const DesignSpace s = mixed();
  CHECK(s.dim() == 5);
  CHECK(s.has_discrete());
  Eigen::VectorXd x(5);
  x << 1.3, 0.6, 0.2, 0.7, 0.1;
  const Eigen::VectorXd y = s.snap(x);
  CHECK(y[0] == 1.0);
  CHECK(y[1] == Approx(2.5 / 4));  // floor(0.6 * 4) = 2 -> centre 2.5 / 4
  CHECK(y.tail(3) == Eigen::Vector3d(0, 1, 0));
  CHECK(s.is_valid(y));
  CHECK_FALSE(s.is_valid(x));
  Eigen::VectorXd top = y;
  top[1] = 1.0;  // u = 1 decodes to the last level
  CHECK(s.snap(top)[1] == Approx(3.5 / 4));
  CHECK(s.key(x) == s.key(y));
  Eigen::VectorXd other = y;
  other[1] = 0.1;
  CHECK(s.key(other) != s.key(y));
  CHECK(s.distance(y, other) > 0.0);
}

TEST_CASE("DesignSpace: random points and perturbations are valid", "[space]") {
  const DesignSpace s = mixed();
  Rng rng(3);
  for (int i = 0; i < 100; ++i) {
    const Eigen::VectorXd x = s.random_point(rng);
    CHECK(s.is_valid(x));
    CHECK(s.is_valid(s.perturb(x, 0.1, 0.5, rng)));
  }
  CHECK(DesignSpace::check({{VariableKind::Integer, 0}}).has_value());
  CHECK_THROWS_AS(DesignSpace({}), std::invalid_argument);
}
