// Helpers for the scheduler tests: readable Decision values in Catch2 messages, and settings
// built in one line.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "fidelity_settings.hpp"
#include "scheduler.hpp"

namespace Catch {
template <>
struct StringMaker<quante::tuner::scheduling::Decision> {
  static std::string convert(quante::tuner::scheduling::Decision d) {
    return d == quante::tuner::scheduling::Decision::Stop ? "Stop" : "Continue";
  }
};
}  // namespace Catch

namespace quante::tuner::scheduling::test {

inline FidelitySettings fidelity(SchedulerKind kind, std::int64_t step_min, std::int64_t step_max, double eta,
                                 int min_trials_at_rung = 0) {
  FidelitySettings s;
  s.scheduler = kind;
  s.step_min = step_min;
  s.step_max = step_max;
  s.eta = eta;
  s.min_trials_at_rung = min_trials_at_rung;
  return s;
}

inline constexpr Decision C = Decision::Continue;
inline constexpr Decision S = Decision::Stop;

}  // namespace quante::tuner::scheduling::test
