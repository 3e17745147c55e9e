// The test functions: each at its documented minimiser equals its documented optimum, a few
// values from the literature (the Virtual Library of Simulation Experiments), the dimension
// suffixes, and a seeded random search that never beats the optimum.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "test_functions.hpp"

using quante::find_test_function;

TEST_CASE("each test function reaches its optimum at its argmin", "[test_functions]") {
  std::vector<std::string> names = quante::test_function_names();
  for (const char* extra : {"ackley5", "levy10", "rosenbrock4", "sphere3", "styblinski_tang3"}) {
    names.emplace_back(extra);
  }
  for (const auto& name : names) {
    INFO(name);
    const auto function = find_test_function(name);
    REQUIRE(function);
    CHECK(function->name == name);
    REQUIRE(function->low.size() == static_cast<std::size_t>(function->dim));
    REQUIRE(function->high.size() == static_cast<std::size_t>(function->dim));
    REQUIRE(function->argmin.size() == static_cast<std::size_t>(function->dim));
    for (int i = 0; i < function->dim; ++i) {
      const auto k = static_cast<std::size_t>(i);
      CHECK(function->low[k] < function->high[k]);
      CHECK(function->argmin[k] >= function->low[k]);
      CHECK(function->argmin[k] <= function->high[k]);
    }
    CHECK(function->f(function->argmin) == Approx(function->optimum).margin(1e-8));
  }
}

TEST_CASE("documented optima and known values", "[test_functions]") {
  const auto branin = find_test_function("branin");
  REQUIRE(branin);
  CHECK(branin->optimum == Approx(0.397887).epsilon(1e-6));
  CHECK(branin->f({-M_PI, 12.275}) == Approx(0.397887).epsilon(1e-6));
  CHECK(branin->f({9.42478, 2.475}) == Approx(0.397887).epsilon(1e-6));
  CHECK(branin->f({0.0, 0.0}) == Approx(55.602112642270264));
  CHECK(branin->low == std::vector<double>{-5.0, 0.0});
  CHECK(branin->high == std::vector<double>{10.0, 15.0});

  CHECK(find_test_function("hartmann6")->optimum == Approx(-3.32237).epsilon(1e-6));
  CHECK(find_test_function("hartmann3")->optimum == Approx(-3.86278).epsilon(1e-6));

  const auto rosenbrock = find_test_function("rosenbrock");
  REQUIRE(rosenbrock);
  CHECK(rosenbrock->dim == 2);
  CHECK(rosenbrock->f({0.0, 0.0}) == Approx(1.0));
  CHECK(rosenbrock->f({-1.2, 1.0}) == Approx(24.2));
  CHECK(rosenbrock->low[0] == -5.0);
  CHECK(rosenbrock->high[0] == 10.0);

  const auto ackley = find_test_function("ackley");
  REQUIRE(ackley);
  CHECK(ackley->f({1.0, 1.0}) == Approx(3.6253849384403627));
  CHECK(ackley->f({0.0, 0.0}) == Approx(0.0).margin(1e-12));  // 4.4e-16 in floating point
  CHECK(ackley->high[1] == 32.768);

  const auto levy = find_test_function("levy");
  REQUIRE(levy);
  CHECK(levy->f({0.0, 0.0}) == Approx(0.7158445541169746));
  CHECK(levy->low[0] == -10.0);

  CHECK(find_test_function("styblinski_tang3")->optimum == Approx(-117.49849711131426));
  CHECK(find_test_function("noop")->f({}) == 0.0);
}

TEST_CASE("dimension suffixes", "[test_functions]") {
  CHECK(find_test_function("ackley5")->dim == 5);
  CHECK(find_test_function("levy10")->dim == 10);
  CHECK(find_test_function("rosenbrock4")->dim == 4);
  CHECK(find_test_function("ackley1")->dim == 1);
  CHECK(find_test_function("hartmann6")->dim == 6);
  CHECK(find_test_function("branin")->dim == 2);
  for (const char* bad : {"rosenbrock1", "ackley0", "ackley05", "ackley-3", "ackley5x",
                          "ackley1001", "branin3", "hartmann4", "Branin", "", "nosuch"}) {
    INFO(bad);
    CHECK_FALSE(find_test_function(bad));
  }
  CHECK(quante::describe_test_function_names().find("ackley<d>") != std::string::npos);
}

TEST_CASE("random points never beat the optimum", "[test_functions]") {
  std::mt19937_64 rng(20240611);
  for (const auto& name : quante::test_function_names()) {
    const auto function = find_test_function(name);
    REQUIRE(function);
    std::vector<double> x(static_cast<std::size_t>(function->dim));
    for (int trial = 0; trial < 2000; ++trial) {
      for (std::size_t k = 0; k < x.size(); ++k) {
        x[k] = std::uniform_real_distribution<double>(function->low[k], function->high[k])(rng);
      }
      const double value = function->f(x);
      INFO(name);
      REQUIRE(std::isfinite(value));
      REQUIRE(value >= function->optimum - 1e-9);
    }
  }
}
