// Expected<T, E>: a value or its error, never both; value() on an error throws; a value
// converts from what T is made of (a derived unique_ptr); Expected<void> is "done, or why not".
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <variant>

#include "expected.hpp"

using quante::Error;
using quante::Expected;

namespace {

struct Base {
  virtual ~Base() = default;
  virtual int id() const { return 1; }
};
struct Derived : Base {
  int id() const override { return 2; }
};

Expected<int> half(int n) {
  if (n % 2 != 0) return Error{std::to_string(n) + " is odd"};
  return n / 2;
}

Expected<void> check_positive(int n) {
  if (n <= 0) return Error{"not positive"};
  return {};
}

}  // namespace

TEST_CASE("expected: a value or its error", "[expected]") {
  const auto ok = half(8);
  REQUIRE(ok);
  CHECK(ok.has_value());
  CHECK(*ok == 4);
  CHECK(ok.value() == 4);

  const auto refused = half(7);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "7 is odd");
  CHECK_THROWS_AS(refused.value(), std::bad_variant_access);
  CHECK_THROWS_AS(ok.error(), std::bad_variant_access);
}

TEST_CASE("expected: a value converts from what it is made of, and moves out", "[expected]") {
  Expected<std::unique_ptr<Base>> made = std::make_unique<Derived>();
  REQUIRE(made);
  CHECK((*made)->id() == 2);
  std::unique_ptr<Base> taken = std::move(made).value();
  CHECK(taken->id() == 2);

  Expected<std::string, int> code = 3;  // an error of another type than Error
  REQUIRE_FALSE(code);
  CHECK(code.error() == 3);
  code = std::string("fine");
  REQUIRE(code);
  CHECK(code->size() == 4);
}

TEST_CASE("expected: void is done, or why not", "[expected]") {
  CHECK(check_positive(1));
  const auto refused = check_positive(0);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "not positive");
}
