// The worker's GPU memory leak guard: after each job, did the objective give its GPU memory back?
//
// Objectives stay loaded between jobs, so memory that user code leaks (a tensor kept in a global,
// a cache that only grows) would pile up job after job until the GPU, which --per-gpu may share
// between several workers, runs out. The guard compares what the objective's processes hold after
// a job with what they held after the first job since the objective (re)started, its baseline: a
// CUDA context, a framework's allocator pool and the loaded data. It asks for a restart when the
// holding grew by more than `growth_mib`, or went over the slot's share of the GPU
// (`limit_mib`, the GPU's memory over the workers sharing it). The Python helper empties PyTorch's
// cache after each job, so its baseline is steady; a child that keeps a cache may be restarted
// when its cache grows by more than growth_mib, which costs one child start. Pure logic: the
// worker measures (gpu_memory.hpp) and restarts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace quante::worker {

struct MemoryGuardSettings {
  std::int64_t growth_mib = 1024;  // 0: the guard is off
  std::int64_t limit_mib = 0;      // the slot's share of the GPU; 0: no limit
};

class MemoryGuard {
 public:
  explicit MemoryGuard(MemoryGuardSettings settings) : settings_(settings) {}

  struct Verdict {
    bool restart = false;
    std::string reason;  // for the log, when restart
  };
  // What the objective holds after a job (MiB).
  Verdict after_job(std::int64_t held_mib);
  // After a restart that after_job asked for, before restarted(): does the memory the objective's
  // processes hold now still break the rule? Then the worker's own process holds it.
  bool still_held(std::int64_t held_mib) const;
  // The objective was restarted: the next job sets a new baseline.
  void restarted() { baseline_.reset(); }
  std::optional<std::int64_t> baseline() const { return baseline_; }
  bool enabled() const { return settings_.growth_mib > 0; }

 private:
  MemoryGuardSettings settings_;
  std::optional<std::int64_t> baseline_;
};

}  // namespace quante::worker
