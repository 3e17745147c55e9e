// The GPU memory leak guard's rule; see memory_guard.hpp.
#include "memory_guard.hpp"

namespace quante::worker {

MemoryGuard::Verdict MemoryGuard::after_job(std::int64_t held_mib) {
  if (!enabled()) return {};
  if (settings_.limit_mib > 0 && held_mib > settings_.limit_mib)
    return {true, "it holds " + std::to_string(held_mib) + " MiB of GPU memory between jobs, over this worker's share of " +
                      std::to_string(settings_.limit_mib) + " MiB"};
  if (!baseline_) {
    baseline_ = held_mib;
    return {};
  }
  if (held_mib > *baseline_ + settings_.growth_mib)
    return {true, "it holds " + std::to_string(held_mib) + " MiB of GPU memory between jobs, " +
                      std::to_string(held_mib - *baseline_) + " MiB more than after its first job (more than " +
                      std::to_string(settings_.growth_mib) + " MiB: a leak)"};
  return {};
}

bool MemoryGuard::still_held(std::int64_t held_mib) const {
  if (!enabled()) return false;
  if (settings_.limit_mib > 0 && held_mib > settings_.limit_mib) return true;
  return baseline_ && held_mib > *baseline_ + settings_.growth_mib;
}

}  // namespace quante::worker
