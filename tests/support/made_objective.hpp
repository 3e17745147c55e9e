// made_objective: make_objective for tests that need the objective to exist. The test stops
// there with make_objective's own reason when the spec is refused, instead of at a null pointer.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "objectives/objective.hpp"

namespace quante::test {

inline std::unique_ptr<worker::Objective> made_objective(const std::string& spec, const worker::ObjectiveContext& context = {}) {
  auto made = worker::make_objective(spec, context);
  INFO((made ? std::string() : made.error().message));
  REQUIRE(made);
  return std::move(made).value();
}

}  // namespace quante::test
