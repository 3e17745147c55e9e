// The JSON of GET /api/state, built from a LiveView on the study runner's thread: progress
// (evaluations, budget, ok / stopped / failed, running, workers, queued, elapsed), the best so
// far, the trials in flight with their worker, GPU, step and loss, the last results, and the
// last failures with their reasons. Field names are documented in docs/dashboard.md.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "live_view.hpp"

namespace quante::tuner::dashboard {

inline constexpr std::size_t kRecentResults = 20;
inline constexpr std::size_t kRecentFailures = 50;

nlohmann::json state_json(const LiveView& view);

// The GPU index in a worker's name ("host-a/gpu3" -> 3, the workers' default naming); nullopt
// when the name does not say.
std::optional<int> gpu_of_worker(const std::string& worker);

}  // namespace quante::tuner::dashboard
