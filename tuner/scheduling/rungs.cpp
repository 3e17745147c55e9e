#include "rungs.hpp"

#include <cmath>
#include <stdexcept>

#include "fidelity_settings.hpp"

namespace quante::tuner::scheduling {

std::vector<std::int64_t> rung_steps(std::int64_t first_rung, std::int64_t step_max, double eta) {
  if (first_rung < 1) throw std::invalid_argument("rung_steps: first_rung must be at least 1");
  if (!(eta >= kMinEta && eta <= kMaxEta)) throw std::invalid_argument("rung_steps: eta must be between 1.01 and 100");
  std::vector<std::int64_t> rungs;
  // step_max as a double may round up (to 2^63 at most), so every x below it converts safely.
  const double limit = static_cast<double>(step_max);
  for (double x = static_cast<double>(first_rung); x < limit; x *= eta) {
    const auto step = static_cast<std::int64_t>(std::floor(x + 0.5));
    if (step >= step_max) break;
    if (rungs.empty() || step > rungs.back()) rungs.push_back(step);
  }
  return rungs;
}

}  // namespace quante::tuner::scheduling
