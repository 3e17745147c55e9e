// The search space: validation names the parameter, and encode/decode round-trip every type
// through the unit cube with the documented conventions.
#include <catch2/catch.hpp>

#include <random>

#include "space.hpp"

using namespace quante;

namespace {
SearchSpace sample_space() {
  return SearchSpace({{"x", ParamType::Float, -5, 10, false, {}},
                      {"lr", ParamType::Float, 1e-5, 1e-1, true, {}},
                      {"layers", ParamType::Int, 1, 6, false, {}},
                      {"width", ParamType::Int, 8, 1024, true, {}},
                      {"act", ParamType::Categorical, 0, 0, false, {"relu", "gelu", "tanh"}}});
}
}  // namespace

TEST_CASE("encode and decode round-trip every parameter type", "[space]") {
  const SearchSpace space = sample_space();
  REQUIRE(space.encoded_dim() == 7);
  const Params p = {{"x", 2.5}, {"lr", 1e-3}, {"layers", std::int64_t{4}}, {"width", std::int64_t{100}}, {"act", std::string("gelu")}};
  REQUIRE_FALSE(space.validate(p));
  const auto unit = space.encode(p);
  for (double u : unit) {
    CHECK(u >= 0.0);
    CHECK(u <= 1.0);
  }
  CHECK(unit[0] == Approx(0.5));
  CHECK(unit[1] == Approx(0.5));                 // 1e-3 is half-way between 1e-5 and 1e-1 in log space
  CHECK(unit[2] == Approx((4 - 1 + 0.5) / 6));   // level centre
  CHECK(unit[4] == 0.0);
  CHECK(unit[5] == 1.0);
  const Params back = space.decode(unit);
  CHECK(std::get<double>(back.at("x")) == Approx(2.5));
  CHECK(std::get<double>(back.at("lr")) == Approx(1e-3));
  CHECK(std::get<std::int64_t>(back.at("layers")) == 4);
  CHECK(std::get<std::int64_t>(back.at("width")) == 100);
  CHECK(std::get<std::string>(back.at("act")) == "gelu");
  CHECK(space.key(back) == space.key(p));
}

TEST_CASE("any point of the cube decodes to a valid point", "[space]") {
  const SearchSpace space = sample_space();
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-0.2, 1.2);  // even outside the cube: clamped
  for (int i = 0; i < 2000; ++i) {
    std::vector<double> x(static_cast<std::size_t>(space.encoded_dim()));
    for (auto& v : x) v = u(rng);
    const Params p = space.decode(x);
    INFO(to_string(p));
    REQUIRE_FALSE(space.validate(p));
    REQUIRE(space.key(space.decode(space.encode(p))) == space.key(p));
  }
}

TEST_CASE("validation names the parameter and the problem", "[space]") {
  const SearchSpace space = sample_space();
  Params p = {{"x", 2.5}, {"lr", 1e-3}, {"layers", std::int64_t{4}}, {"width", std::int64_t{100}}, {"act", std::string("gelu")}};
  auto with = [&](const std::string& name, ParamValue v) {
    Params q = p;
    q[name] = std::move(v);
    return space.validate(q).value_or("");
  };
  CHECK_THAT(with("x", 11.0), Catch::Contains("'x'") && Catch::Contains("outside"));
  CHECK_THAT(with("x", std::string("big")), Catch::Contains("'x'"));
  CHECK_THAT(with("layers", 2.5), Catch::Contains("'layers'") && Catch::Contains("integer"));
  CHECK_THAT(with("layers", std::int64_t{9}), Catch::Contains("'layers'"));
  CHECK_THAT(with("act", std::string("selu")), Catch::Contains("'act'"));
  CHECK_THAT(with("act", 1.0), Catch::Contains("'act'"));
  CHECK_THAT(with("extra", 1.0), Catch::Contains("unknown parameter 'extra'"));
  Params missing = p;
  missing.erase("lr");
  CHECK_THAT(space.validate(missing).value_or(""), Catch::Contains("missing parameter 'lr'"));
}
