#include "scheduler.hpp"

#include <stdexcept>

#include "asha.hpp"
#include "hyperband.hpp"
#include "median_stopping.hpp"
#include "no_stopping.hpp"

namespace quante::tuner::scheduling {

std::unique_ptr<Scheduler> make_scheduler(const FidelitySettings& settings, std::uint64_t seed) {
  if (auto problem = validate(settings)) throw std::invalid_argument(*problem);
  switch (settings.scheduler) {
    case SchedulerKind::None: return std::make_unique<NoStopping>();
    case SchedulerKind::Asha: return std::make_unique<AshaScheduler>(settings);
    case SchedulerKind::Hyperband: return std::make_unique<HyperbandScheduler>(settings, seed);
    case SchedulerKind::Median: return std::make_unique<MedianStoppingScheduler>(settings);
  }
  throw std::invalid_argument("make_scheduler: unknown scheduler kind");
}

}  // namespace quante::tuner::scheduling
