// Embedding in C++: tune a C++ function on a local thread pool with the same optimizer the
// farm uses, in the spirit of the original tool's quante.carlo(f, limits, kernel, n_batches,
// n_processors, n_iterations). No broker, no sockets: the function runs on `threads` threads,
// `batch` evaluations in flight, new points proposed as each one finishes (async). Results reach
// the optimizer in the order their points were proposed, so a run is the same for the same seed
// (a fast evaluation waits for the slower ones proposed before it; the threads keep working).
//
//   quante::SearchSpace space({{"x", quante::ParamType::Float, -5, 5}, ...});
//   auto history = quante::carlo([](const quante::Params& p) { return f(p); }, space,
//                                {.budget = 40, .batch = 4, .threads = 4});
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "history.hpp"
#include "space.hpp"

namespace quante {

struct LocalOptions {
  int budget = 40;                   // evaluations in all (n_batches x q in the original)
  int batch = 4;                     // q: evaluations in flight
  int threads = 4;                   // n_processors
  int initial = 0;                   // space-filling points first (0: 2 x parameters)
  std::uint64_t seed = 0;
  bool maximize = false;
  std::string kernel = "Matern(nu=2.5) + WhiteKernel()";
  std::string acquisition = "qei";   // "qei", "random_batches", "random"
  int retries = 0;                   // re-evaluations of a point whose evaluation threw
};

// The user's function: the loss at a point. Throwing (or returning a non-finite value) fails
// that evaluation; it is recorded with the reason and never proposed again.
using LocalObjective = std::function<double(const Params&)>;

// Runs the study and returns its history in order of completion (tuner::EvaluationRecord, as
// the history file holds it). Throws std::invalid_argument for bad options (kernel string,
// budget < 1, ...).
std::vector<tuner::EvaluationRecord> carlo(const LocalObjective& objective, const SearchSpace& space,
                                           const LocalOptions& options = {});

}  // namespace quante
