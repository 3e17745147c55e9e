// Making and remaking a worker's objectives; see objective_set.hpp.
#include "objective_set.hpp"

#include <spdlog/spdlog.h>

namespace quante::worker {

Expected<ObjectiveSet> ObjectiveSet::make(const std::map<std::string, ObjectiveConfig>& configured, int gpu,
                                          std::chrono::milliseconds default_timeout) {
  ObjectiveSet set;
  for (const auto& [name, objective] : configured) {
    const auto parsed = parse_objective_option(name + "=" + objective.spec);
    if (!parsed) return Error{"objective " + name + ": " + parsed.error().message};
    const NamedSpec& named = *parsed;
    Entry entry;
    entry.spec = named.spec;
    entry.context.gpu = gpu;
    entry.context.timeout = objective.timeout_s
                                ? std::chrono::milliseconds(static_cast<long long>(*objective.timeout_s * 1000))
                                : default_timeout;
    entry.context.config = objective.config;
    auto made = make_objective(entry.spec, entry.context);
    if (!made) return Error{"objective " + name + ": " + made.error().message};
    spdlog::info("objective {} = {}", named.name, (*made)->describe());
    entry.objective = std::move(made).value();
    set.entries_.emplace(named.name, std::move(entry));
  }
  return set;
}

ObjectiveSet::ObjectiveSet(std::map<std::string, std::unique_ptr<Objective>> made) {
  for (auto& [name, objective] : made) entries_[name].objective = std::move(objective);
}

Objective* ObjectiveSet::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.objective.get();
}

std::vector<std::string> ObjectiveSet::names() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : entries_)
    if (entry.objective) out.push_back(name);
  return out;
}

Expected<void> ObjectiveSet::restart(const std::string& name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) return Error{"no objective " + name};
  Entry& entry = it->second;
  if (entry.spec.empty()) return Error{"objective " + name + " was not made from a spec"};
  entry.objective.reset();  // first: the old one's memory and child go before the new one starts
  auto made = make_objective(entry.spec, entry.context, StartCheck::Skip);  // no 500 ms wait in the loop
  if (!made) return std::move(made).error();
  entry.objective = std::move(made).value();
  return {};
}

}  // namespace quante::worker
