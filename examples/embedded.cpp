// Tuning a C++ function in-process with quante::carlo: the same GP + qEI optimizer as the farm,
// on a local thread pool. Build: part of the project (build/bin/quante-embedded-example).
#include <cmath>
#include <iostream>

#include "local_run.hpp"
#include "study_runner.hpp"

int main() {
  // A noisy-free 3-d problem with a categorical: minimum 0 at x = 1, y = -2, mode = "b".
  quante::SearchSpace space({{"x", quante::ParamType::Float, -5, 5, false, {}},
                             {"y", quante::ParamType::Float, -5, 5, false, {}},
                             {"mode", quante::ParamType::Categorical, 0, 0, false, {"a", "b", "c"}}});
  auto objective = [](const quante::Params& p) {
    const double x = std::get<double>(p.at("x")), y = std::get<double>(p.at("y"));
    const double penalty = std::get<std::string>(p.at("mode")) == "b" ? 0.0 : 1.0;
    return (x - 1) * (x - 1) + (y + 2) * (y + 2) + penalty;
  };
  quante::LocalOptions options;
  options.budget = 30;
  options.batch = 4;
  options.threads = 4;
  options.seed = 11;
  const auto history = quante::carlo(objective, space, options);
  double best = INFINITY;
  quante::Params best_params;
  for (const auto& r : history)
    if (r.ok() && *r.loss < best) {
      best = *r.loss;
      best_params = r.params;
    }
  std::cout << history.size() << " evaluations; best " << best << " at " << quante::to_string(best_params) << "\n";
  return history.size() == static_cast<std::size_t>(options.budget) ? 0 : 1;
}
