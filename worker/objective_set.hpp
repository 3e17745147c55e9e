// The objectives one worker serves, made from their specs, and made again on demand: the GPU
// memory guard (memory_guard.hpp) restarts an objective whose memory did not come back. Holding
// each spec and context next to its objective is what makes the restart possible, and keeps the
// construction out of main.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "objectives/objective.hpp"
#include "worker_config.hpp"

namespace quante::worker {

class ObjectiveSet {
 public:
  ObjectiveSet() = default;
  // Makes every objective of `configured` for a worker of GPU `gpu`; an error message names the
  // objective and what is wrong (unknown builtin, a plugin without its symbols ...).
  static Expected<ObjectiveSet> make(const std::map<std::string, ObjectiveConfig>& configured, int gpu,
                                    std::chrono::milliseconds default_timeout);
  // For tests: objectives made elsewhere (they cannot be restarted).
  explicit ObjectiveSet(std::map<std::string, std::unique_ptr<Objective>> made);

  Objective* find(const std::string& name) const;
  std::vector<std::string> names() const;
  // Replaces objective `name` by a new one made from the same spec (an exec child is stopped and
  // started again; an in-process objective is destroyed, which frees what it allocated). On
  // failure the old one is gone too: jobs for it fail as not served.
  Expected<void> restart(const std::string& name);

 private:
  struct Entry {
    std::string spec;  // empty: made elsewhere, no restart
    ObjectiveContext context;
    std::unique_ptr<Objective> objective;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace quante::worker
