// scheduler = "none": every trial trains to step_max. No rungs, so the tuner never asks.
#pragma once

#include "scheduler.hpp"

namespace quante::tuner::scheduling {

class NoStopping final : public Scheduler {
 public:
  std::vector<std::int64_t> on_trial_add(const std::string&, std::uint64_t) override { return {}; }
  Decision on_trial_report(const std::string&, std::int64_t, double) override { return Decision::Continue; }
  void on_trial_complete(const std::string&, std::int64_t, std::optional<double>) override {}
  std::vector<std::int64_t> rungs_of(const std::string&) const override { return {}; }
  void keep_going(const std::string&) override {}
};

}  // namespace quante::tuner::scheduling
